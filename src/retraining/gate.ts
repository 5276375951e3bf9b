/**
 * The promotion gate: a candidate replaces the model in service only when it
 * is at least as good on the same holdout, within tolerances: accuracy,
 * macro-F1, and coverage at the target precision (the share of tickets each
 * model routes automatically under its own routing policy while those routes
 * are right at least as often as the target; see `coverageAtTarget`). The
 * retrain workflow's `GateHolds` Choice state compares the candidate's numbers
 * with the `required` numbers computed here (the same comparison as
 * `accepted`), so the decision is visible in the state machine and tested here.
 */
export interface MetricSummary {
  readonly accuracy: number;
  readonly macroF1: number;
  /**
   * Share of the holdout routed automatically at the target precision: the
   * model's own automatic routes, narrowed to its most probable ones when they
   * fall short of the target on the holdout (0 without a routing policy).
   */
  readonly coverageAtTarget: number;
}

/** What the gate knows of one model on the holdout. */
export interface GateFigures extends MetricSummary {
  /**
   * The target precision of the routing policy `coverageAtTarget` was measured under;
   * null: the model has no routing policy (trained before routing was added:
   * it routes at the old fixed 0.6 threshold).
   */
  readonly targetPrecision: number | null;
}

export interface GateTolerances {
  /** Accuracy may drop by at most this much (0 = must not drop). */
  readonly accuracy: number;
  /** Macro-F1 may drop by at most this much. */
  readonly macroF1: number;
  /** Coverage at the target precision may drop by at most this much (COVERAGE_TOLERANCE). */
  readonly coverage: number;
}

export interface GateDecision {
  readonly accepted: boolean;
  /** What the candidate needs: the in-service figures minus the tolerances (0 with no model in service, or a figure not compared). */
  readonly required: MetricSummary;
  /** Whether coverage was compared (both models route for the same target precision). */
  readonly coverageCompared: boolean;
  /** For people: which figure decided, with the numbers. */
  readonly reason: string;
}

const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;
const pt = (x: number): string => `${(x * 100).toFixed(2)} pt`;

/**
 * Why coverage cannot be compared, or undefined when it can: both models
 * route under a policy for the same target precision.
 */
function coverageNotComparable(candidate: GateFigures, inService: GateFigures): string | undefined {
  if (inService.targetPrecision === null)
    return 'the model in service has no routing policy (trained before routing was added, it routes at the old fixed 0.6 threshold)';
  if (candidate.targetPrecision === null) return 'the candidate has no routing policy';
  if (candidate.targetPrecision !== inService.targetPrecision)
    return `the models route for different target precisions (${pct(candidate.targetPrecision)} vs ${pct(inService.targetPrecision)} in service)`;
  return undefined;
}

/** `a`, `a and b`, `a, b and c`. */
const listOf = (items: readonly string[]): string =>
  items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;

export function decideGate(
  candidate: GateFigures,
  inService: GateFigures | undefined,
  tolerances: GateTolerances,
): GateDecision {
  for (const [name, value] of Object.entries(tolerances)) {
    if (!(value >= 0 && value <= 1))
      throw new RangeError(`the ${name} tolerance must be between 0 and 1, not ${value}`);
  }
  if (!inService) {
    return {
      accepted: true,
      required: { accuracy: 0, macroF1: 0, coverageAtTarget: 0 },
      coverageCompared: false,
      reason: 'no model is in service: the first candidate is promoted',
    };
  }
  const notComparable = coverageNotComparable(candidate, inService);
  const required: MetricSummary = {
    accuracy: Math.max(0, inService.accuracy - tolerances.accuracy),
    macroF1: Math.max(0, inService.macroF1 - tolerances.macroF1),
    coverageAtTarget: notComparable ? 0 : Math.max(0, inService.coverageAtTarget - tolerances.coverage),
  };
  const accuracyHolds = candidate.accuracy >= required.accuracy;
  const macroF1Holds = candidate.macroF1 >= required.macroF1;
  const coverageHolds = candidate.coverageAtTarget >= required.coverageAtTarget;
  const accuracyText = `accuracy ${pct(candidate.accuracy)} vs ${pct(inService.accuracy)} in service (tolerance ${pt(tolerances.accuracy)})`;
  const macroText = `macro-F1 ${pct(candidate.macroF1)} vs ${pct(inService.macroF1)} in service (tolerance ${pt(tolerances.macroF1)})`;
  const coverageText = notComparable
    ? `coverage not compared: ${notComparable}`
    : `coverage at ${pct(candidate.targetPrecision!)} precision ${pct(candidate.coverageAtTarget)} vs ${pct(inService.coverageAtTarget)} in service (tolerance ${pt(tolerances.coverage)})`;
  const compared = notComparable === undefined;
  if (accuracyHolds && macroF1Holds && coverageHolds) {
    const held = compared ? 'accuracy and coverage hold' : 'accuracy holds';
    return {
      accepted: true,
      required,
      coverageCompared: compared,
      reason: `${held}: ${accuracyText}; ${macroText}; ${coverageText}`,
    };
  }
  const failed = [
    !accuracyHolds && `${accuracyText} is below the required ${pct(required.accuracy)}`,
    !macroF1Holds && `${macroText} is below the required ${pct(required.macroF1)}`,
    !coverageHolds && `${coverageText} is below the required ${pct(required.coverageAtTarget)}`,
  ].filter((f): f is string => typeof f === 'string');
  const what = listOf([...(accuracyHolds && macroF1Holds ? [] : ['accuracy']), ...(coverageHolds ? [] : ['coverage'])]);
  return {
    accepted: false,
    required,
    coverageCompared: compared,
    reason: `${what} ${what.includes(' and ') ? 'do' : 'does'} not hold: ${failed.join('; ')}`,
  };
}
