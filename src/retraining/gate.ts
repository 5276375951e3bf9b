/**
 * The promotion gate: a candidate replaces the model in service only when it
 * is at least as good on the same holdout, within tolerances. The retrain
 * workflow's `AccuracyHolds` Choice state compares the candidate's numbers with
 * the `required` numbers computed here (the same comparison as `accepted`), so
 * the decision is visible in the state machine and tested here.
 */
export interface MetricSummary {
  readonly accuracy: number;
  readonly macroF1: number;
}

export interface GateTolerances {
  /** Accuracy may drop by at most this much (0 = must not drop). */
  readonly accuracy: number;
  /** Macro-F1 may drop by at most this much. */
  readonly macroF1: number;
}

export interface GateDecision {
  readonly accepted: boolean;
  /** What the candidate needs: the in-service figures minus the tolerances (0 with no model in service). */
  readonly required: MetricSummary;
  /** For people: which figure decided, with the numbers. */
  readonly reason: string;
}

const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;
const pt = (x: number): string => `${(x * 100).toFixed(2)} pt`;

export function decideGate(
  candidate: MetricSummary,
  inService: MetricSummary | undefined,
  tolerances: GateTolerances,
): GateDecision {
  for (const [name, value] of Object.entries(tolerances)) {
    if (!(value >= 0 && value <= 1))
      throw new RangeError(`the ${name} tolerance must be between 0 and 1, not ${value}`);
  }
  if (!inService) {
    return {
      accepted: true,
      required: { accuracy: 0, macroF1: 0 },
      reason: 'no model is in service: the first candidate is promoted',
    };
  }
  const required: MetricSummary = {
    accuracy: Math.max(0, inService.accuracy - tolerances.accuracy),
    macroF1: Math.max(0, inService.macroF1 - tolerances.macroF1),
  };
  const accuracyHolds = candidate.accuracy >= required.accuracy;
  const macroF1Holds = candidate.macroF1 >= required.macroF1;
  const accuracyText = `accuracy ${pct(candidate.accuracy)} vs ${pct(inService.accuracy)} in service (tolerance ${pt(tolerances.accuracy)})`;
  const macroText = `macro-F1 ${pct(candidate.macroF1)} vs ${pct(inService.macroF1)} in service (tolerance ${pt(tolerances.macroF1)})`;
  if (accuracyHolds && macroF1Holds)
    return { accepted: true, required, reason: `accuracy holds: ${accuracyText}; ${macroText}` };
  const failed = [
    !accuracyHolds && `${accuracyText} is below the required ${pct(required.accuracy)}`,
    !macroF1Holds && `${macroText} is below the required ${pct(required.macroF1)}`,
  ].filter(Boolean);
  return { accepted: false, required, reason: `accuracy does not hold: ${failed.join('; ')}` };
}
