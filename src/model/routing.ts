import { seededRandom } from './random.ts';

/**
 * When a prediction may be routed without a person: a precision target turned
 * into a probability threshold (fitted on rows the model was not fitted on),
 * and an "unknown" test for tickets that fit no category.
 */

/** `auto`: route to the predicted category; `review`: a person decides. */
export type Route = 'auto' | 'review';
/** Why a prediction goes to review. */
export type ReviewReason = 'low-confidence' | 'unknown';

/**
 * What says "this ticket fits no category", larger = more in scope:
 * `max-score` the top raw score, `margin` the top score minus the runner-up's,
 * `max-probability` the top calibrated probability.
 */
export const UNKNOWN_SIGNALS = ['max-score', 'margin', 'max-probability'] as const;
export type UnknownSignal = (typeof UNKNOWN_SIGNALS)[number];

export interface UnknownRule {
  readonly signal: UnknownSignal;
  /** Below this, the ticket is unknown. */
  readonly below: number;
  /** The share of in-scope validation rows this flags (what `below` was chosen for, without `inScopeCost`). */
  readonly inScopeRate: number;
  /**
   * The share of in-scope validation rows predicted right that this flags:
   * the in-scope accuracy the rule costs there (what `below` was chosen for
   * when the rule was fitted for a cost).
   */
  readonly inScopeCost?: number;
}

export interface RoutingPolicy {
  readonly targetPrecision: number;
  /** The precision's Wilson lower bound at this many standard errors had to reach the target (0: the precision). */
  readonly confidenceZ?: number;
  /** Route automatically when the top probability is at least this. */
  readonly threshold: number;
  /** Thresholds of the categories where one per category measurably helped on validation. */
  readonly perCategory?: Readonly<Record<string, number>>;
  readonly unknown?: UnknownRule;
  /**
   * The validation rows' top probabilities in {@link CURVE_BINS} equal bins:
   * how many rows, and how many right, per bin. Enough to fit the threshold
   * of another target precision later ({@link retarget}) without the data.
   */
  readonly curve?: { readonly rows: readonly number[]; readonly right: readonly number[] };
  /** What the policy achieved on the rows it was fitted on. */
  readonly fitted: {
    readonly rows: number;
    readonly coverage: number;
    readonly precision: number;
    /** Why per-category thresholds were or were not kept. */
    readonly perCategoryNote?: string;
  };
}

/** Resolution of the stored precision curve (threshold steps of 0.001). */
export const CURVE_BINS = 1000;

function curveOf(rows: readonly ValidationPrediction[]): { rows: number[]; right: number[] } {
  const count = new Array<number>(CURVE_BINS).fill(0);
  const right = new Array<number>(CURVE_BINS).fill(0);
  for (const r of rows) {
    const b = Math.min(CURVE_BINS - 1, Math.floor(r.probability * CURVE_BINS));
    count[b]!++;
    if (r.correct) right[b]!++;
  }
  return { rows: count, right };
}

/**
 * The policy for another target precision, from the stored curve: a global
 * threshold at a bin edge (the per-category thresholds, fitted for the
 * original target, are dropped; the unknown rule stays).
 */
export function retarget(policy: RoutingPolicy, targetPrecision: number): RoutingPolicy {
  if (!(targetPrecision > 0 && targetPrecision <= 1)) throw new RangeError('the target precision must be in (0, 1]');
  if (!policy.curve) throw new RangeError('this model has no stored precision curve to fit another target from');
  const { rows, right } = policy.curve;
  let total = 0;
  let correct = 0;
  let best = -1;
  let bestRows = 0;
  let bestRight = 0;
  for (let b = CURVE_BINS - 1; b >= 0; b--) {
    total += rows[b]!;
    correct += right[b]!;
    if (rows[b]! > 0 && precisionBound(correct, total, policy.confidenceZ ?? 0) >= targetPrecision) {
      best = b;
      bestRows = total;
      bestRight = correct;
    }
  }
  const all = rows.reduce((a, b) => a + b, 0);
  const { perCategory: _dropped, ...rest } = policy;
  return {
    ...rest,
    targetPrecision,
    threshold: best < 0 ? 1.0001 : best / CURVE_BINS,
    fitted: {
      rows: all,
      coverage: all === 0 ? 0 : bestRows / all,
      precision: bestRows === 0 ? 0 : bestRight / bestRows,
      perCategoryNote: 'global threshold re-fitted from the stored curve',
    },
  };
}

export interface RoutingSignals {
  readonly category: string;
  readonly probability: number;
  readonly maxScore: number;
  readonly margin: number;
}

export interface RoutingDecision {
  readonly route: Route;
  readonly reason?: ReviewReason;
}

export function signalValue(signal: UnknownSignal, s: RoutingSignals): number {
  return signal === 'max-score' ? s.maxScore : signal === 'margin' ? s.margin : s.probability;
}

export function thresholdFor(policy: RoutingPolicy, category: string): number {
  return policy.perCategory?.[category] ?? policy.threshold;
}

/** The route of one prediction under `policy`: unknown first, then low confidence. */
export function decideRoute(policy: RoutingPolicy, s: RoutingSignals): RoutingDecision {
  if (policy.unknown && signalValue(policy.unknown.signal, s) < policy.unknown.below)
    return { route: 'review', reason: 'unknown' };
  if (s.probability < thresholdFor(policy, s.category)) return { route: 'review', reason: 'low-confidence' };
  return { route: 'auto' };
}

/** The route under a plain probability threshold (the old `NEEDS_REVIEW_THRESHOLD`). */
export function fixedThresholdPolicy(threshold: number): RoutingPolicy {
  return { targetPrecision: 0, threshold, fitted: { rows: 0, coverage: 0, precision: 0 } };
}

/**
 * The Wilson score lower bound of a precision of `right / n` at `z` standard
 * errors (z = 0: the precision itself). Choosing the lowest threshold whose
 * observed precision reaches the target favours thresholds where the
 * validation rows happened to be right more often than usual; asking the
 * bound to reach it instead keeps that luck out of the threshold.
 */
export function precisionBound(right: number, n: number, z: number): number {
  if (n === 0) return 0;
  const p = right / n;
  if (z === 0) return p;
  const z2 = z * z;
  return (p + z2 / (2 * n) - z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n);
}

/**
 * The lowest probability threshold at which the predictions at or above it
 * are right at least `target` of the time: the most coverage for the target
 * precision on these rows. Returns 1.0001 (nothing automatic) when no
 * threshold reaches the target, with the coverage and precision achieved.
 */
export function fitThreshold(
  probabilities: ArrayLike<number>,
  correct: ArrayLike<boolean>,
  target: number,
  confidenceZ = 0,
): { threshold: number; coverage: number; precision: number } {
  const n = probabilities.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => probabilities[b]! - probabilities[a]!);
  let right = 0;
  let best = -1;
  let bestRight = 0;
  for (let k = 0; k < n; k++) {
    right += correct[order[k]!] ? 1 : 0;
    // Only cut between distinct probabilities (a threshold cannot split ties).
    if (k + 1 < n && probabilities[order[k + 1]!] === probabilities[order[k]!]) continue;
    if (precisionBound(right, k + 1, confidenceZ) >= target) {
      best = k;
      bestRight = right;
    }
  }
  if (best < 0) return { threshold: 1.0001, coverage: 0, precision: 0 };
  return { threshold: probabilities[order[best]!]!, coverage: (best + 1) / n, precision: bestRight / (best + 1) };
}

export interface ValidationPrediction extends RoutingSignals {
  readonly correct: boolean;
}

export interface FitRoutingOptions {
  readonly targetPrecision: number;
  /** Share of in-scope validation rows the unknown rule may flag (0 = no unknown rule). */
  readonly unknownRate?: number;
  /**
   * Share of in-scope validation rows predicted right that the unknown rule
   * may flag (0 = use `unknownRate`). Flagging a row the model gets wrong
   * costs no accuracy, so this is the in-scope accuracy the rule may cost.
   */
  readonly unknownCost?: number;
  readonly unknownSignal?: UnknownSignal;
  /** Categories need this many validation predictions for a threshold of their own (default 50). */
  readonly minCategoryRows?: number;
  /** Per-category thresholds are kept only when they add this much coverage on unseen halves (default 0.01). */
  readonly minCoverageGain?: number;
  /** See {@link precisionBound} (default 0). */
  readonly confidenceZ?: number;
}

function coverageAndPrecision(
  rows: readonly ValidationPrediction[],
  threshold: (category: string) => number,
): { coverage: number; precision: number } {
  let auto = 0;
  let right = 0;
  for (const r of rows) {
    if (r.probability >= threshold(r.category)) {
      auto++;
      if (r.correct) right++;
    }
  }
  return { coverage: rows.length === 0 ? 0 : auto / rows.length, precision: auto === 0 ? 0 : right / auto };
}

function perCategoryThresholds(
  rows: readonly ValidationPrediction[],
  target: number,
  minRows: number,
  z: number,
): Record<string, number> {
  const byCategory = new Map<string, ValidationPrediction[]>();
  for (const r of rows) {
    const list = byCategory.get(r.category) ?? [];
    list.push(r);
    byCategory.set(r.category, list);
  }
  const out: Record<string, number> = {};
  for (const [category, list] of byCategory) {
    if (list.length < minRows) continue;
    out[category] = fitThreshold(
      list.map((r) => r.probability),
      list.map((r) => r.correct),
      target,
      z,
    ).threshold;
  }
  return out;
}

/** Values with their correctness, lowest value first. */
function sortedByValue(
  values: readonly number[],
  correct: readonly boolean[],
): { readonly value: number; readonly correct: boolean }[] {
  return values.map((value, i) => ({ value, correct: correct[i]! })).sort((a, b) => a.value - b.value);
}

/** How many of the lowest rows (sorted) the rule's threshold sits above, for the budget. */
function flaggedCount(
  order: readonly { readonly correct: boolean }[],
  budget: { readonly rate: number } | { readonly cost: number },
): number {
  const n = order.length;
  if ('rate' in budget) return Math.min(Math.floor(budget.rate * n), n - 1);
  let k = 0;
  let right = 0;
  const allowed = budget.cost * n;
  for (let i = 0; i < n - 1; i++) {
    right += order[i]!.correct ? 1 : 0;
    if (right > allowed) break;
    k = i + 1;
  }
  return k;
}

/**
 * The unknown rule's threshold with a cost budget, on any signal's values
 * (larger = more in scope): what {@link fitUnknownRule} fits, for signals
 * outside {@link UNKNOWN_SIGNALS} (the open-set benchmarks).
 */
export function thresholdForCost(values: readonly number[], correct: readonly boolean[], cost: number): number {
  const order = sortedByValue(values, correct);
  return order[flaggedCount(order, { cost })]!.value;
}

/**
 * The unknown rule on in-scope validation predictions: flag the rows whose
 * `signal` is strictly below a threshold chosen so that at most `rate` of the
 * rows are flagged, or (with `cost`) at most `cost` of them are flagged *and*
 * predicted right (flagging a wrong prediction costs no accuracy). The
 * highest such threshold: the most unknown tickets caught for that budget.
 */
export function fitUnknownRule(
  rows: readonly ValidationPrediction[],
  signal: UnknownSignal,
  budget: { readonly rate: number } | { readonly cost: number },
): UnknownRule {
  const order = sortedByValue(
    rows.map((r) => signalValue(signal, r)),
    rows.map((r) => r.correct),
  );
  const n = order.length;
  const below = order[flaggedCount(order, budget)]!.value;
  let flagged = 0;
  let flaggedRight = 0;
  for (const r of order) {
    if (r.value >= below) break;
    flagged++;
    if (r.correct) flaggedRight++;
  }
  return {
    signal,
    below,
    inScopeRate: flagged / n,
    ...('cost' in budget && { inScopeCost: flaggedRight / n }),
  };
}

/**
 * Fits a routing policy on validation predictions (rows the model was not
 * fitted on): a global threshold for the precision target; per-category
 * thresholds only if, fitted on one half of the rows and judged on the other
 * (both ways), they route measurably more tickets at the target precision;
 * and, when asked, an unknown rule ({@link fitUnknownRule}) for
 * `unknownCost` (or `unknownRate`) of these rows.
 */
export function fitRoutingPolicy(rows: readonly ValidationPrediction[], options: FitRoutingOptions): RoutingPolicy {
  const target = options.targetPrecision;
  if (!(target > 0 && target <= 1)) throw new RangeError('the target precision must be in (0, 1]');
  const minRows = options.minCategoryRows ?? 50;
  const z = options.confidenceZ ?? 0;
  const global = fitThreshold(
    rows.map((r) => r.probability),
    rows.map((r) => r.correct),
    target,
    z,
  );

  // Per-category thresholds: judged by two-fold cross-fitting on the validation rows.
  let perCategory: Record<string, number> | undefined;
  let note: string;
  const halves: ValidationPrediction[][] = [[], []];
  const random = seededRandom(7);
  for (const r of rows) halves[random() < 0.5 ? 0 : 1]!.push(r);
  let gain = 0;
  let perCategoryMeetsTarget = true;
  for (const [fitOn, judgeOn] of [
    [halves[0]!, halves[1]!],
    [halves[1]!, halves[0]!],
  ] as const) {
    const g = fitThreshold(
      fitOn.map((r) => r.probability),
      fitOn.map((r) => r.correct),
      target,
      z,
    ).threshold;
    const own = perCategoryThresholds(fitOn, target, Math.ceil(minRows / 2), z);
    const a = coverageAndPrecision(judgeOn, () => g);
    const b = coverageAndPrecision(judgeOn, (c) => own[c] ?? g);
    gain += (b.coverage - a.coverage) / 2;
    if (!(b.precision >= Math.min(target, a.precision))) perCategoryMeetsTarget = false;
  }
  const minGain = options.minCoverageGain ?? 0.01;
  if (gain >= minGain && perCategoryMeetsTarget) {
    perCategory = perCategoryThresholds(rows, target, minRows, z);
    note = `per-category thresholds added ${(gain * 100).toFixed(1)} points of coverage on unseen halves`;
  } else {
    note = `per-category thresholds not kept: ${(gain * 100).toFixed(1)} points of coverage on unseen halves${perCategoryMeetsTarget ? '' : ', below the target precision'}`;
  }

  let unknown: UnknownRule | undefined;
  const rate = options.unknownRate ?? 0;
  const cost = options.unknownCost ?? 0;
  if ((cost > 0 || rate > 0) && rows.length > 0)
    unknown = fitUnknownRule(rows, options.unknownSignal ?? 'max-score', cost > 0 ? { cost } : { rate });

  const policy: RoutingPolicy = {
    targetPrecision: target,
    ...(z !== 0 && { confidenceZ: z }),
    threshold: global.threshold,
    ...(perCategory && { perCategory }),
    ...(unknown && { unknown }),
    curve: curveOf(rows),
    fitted: { rows: rows.length, coverage: 0, precision: 0, perCategoryNote: note },
  };
  let auto = 0;
  let right = 0;
  for (const r of rows) {
    if (decideRoute(policy, r).route === 'auto') {
      auto++;
      if (r.correct) right++;
    }
  }
  return {
    ...policy,
    fitted: {
      rows: rows.length,
      coverage: rows.length === 0 ? 0 : auto / rows.length,
      precision: auto === 0 ? 0 : right / auto,
      perCategoryNote: note,
    },
  };
}
