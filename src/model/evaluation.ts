import { computeMetrics, type Metrics } from './metrics.ts';
import type { ReviewReason, Route } from './routing.ts';

/** One evaluated ticket: its true category and what the model said. */
export interface EvaluatedPrediction {
  readonly actual: string;
  readonly category: string;
  readonly probability: number;
  readonly route: Route;
  readonly reason?: ReviewReason;
}

export interface CategoryRouting {
  readonly label: string;
  /** Tickets of this (true) category. */
  readonly support: number;
  /** Share of them routed automatically. */
  readonly coverage: number;
  /** Tickets routed automatically to this category. */
  readonly autoRouted: number;
  /** Share of those that truly belong to it (0 when none). */
  readonly autoPrecision: number;
}

export interface RoutingMetrics {
  /** Share of tickets routed automatically. */
  readonly coverage: number;
  /** Share of automatically routed tickets whose category is right (0 when none). */
  readonly autoPrecision: number;
  readonly autoRouted: number;
  readonly perCategory: readonly CategoryRouting[];
}

/** Scores of unknown tickets (true category outside the model's). */
export interface OpenSetMetrics {
  readonly unknownLabel: string;
  readonly inScopeRows: number;
  readonly unknownRows: number;
  /** Accuracy on in-scope tickets, ignoring the unknown rule (the closed-set figure). */
  readonly closedSetAccuracy: number;
  /** Share of in-scope tickets predicted right and not sent to review as unknown. */
  readonly inScopeAccuracy: number;
  /** Share of unknown tickets sent to review as unknown. */
  readonly unknownRecall: number;
  /** Share of tickets sent to review as unknown that are unknown (0 when none). */
  readonly unknownPrecision: number;
}

export interface Evaluation extends Metrics {
  readonly routing: RoutingMetrics;
  /** Expected calibration error of the top probability, 15 equal-width bins. */
  readonly ece: number;
  readonly openSet?: OpenSetMetrics;
}

/**
 * Expected calibration error (Guo et al. 2017): the probabilities of the
 * predicted category in `bins` equal-width bins; the mean over bins, weighted
 * by their share of rows, of |accuracy - mean probability|.
 */
export function expectedCalibrationError(
  probabilities: ArrayLike<number>,
  correct: ArrayLike<boolean>,
  bins = 15,
): number {
  const n = probabilities.length;
  if (n === 0) return 0;
  const count = new Float64Array(bins);
  const confidence = new Float64Array(bins);
  const right = new Float64Array(bins);
  for (let i = 0; i < n; i++) {
    const p = probabilities[i]!;
    // Bins (lo, hi], as in Guo et al.; p = 0 goes to the first bin.
    const b = Math.min(bins - 1, Math.max(0, Math.ceil(p * bins) - 1));
    count[b]!++;
    confidence[b]! += p;
    if (correct[i]) right[b]!++;
  }
  let ece = 0;
  for (let b = 0; b < bins; b++) {
    if (count[b] === 0) continue;
    ece += (count[b]! / n) * Math.abs(right[b]! / count[b]! - confidence[b]! / count[b]!);
  }
  return ece;
}

/** Coverage and precision of the automatic routes, overall and per category. */
export function routingMetrics(rows: readonly EvaluatedPrediction[], labels: readonly string[]): RoutingMetrics {
  const order = [...labels];
  for (const r of rows) if (!order.includes(r.actual)) order.push(r.actual);
  const support = new Map<string, number>();
  const autoOfTrue = new Map<string, number>();
  const autoTo = new Map<string, number>();
  const autoRight = new Map<string, number>();
  let auto = 0;
  let right = 0;
  const inc = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  for (const r of rows) {
    inc(support, r.actual);
    if (r.route !== 'auto') continue;
    auto++;
    inc(autoOfTrue, r.actual);
    inc(autoTo, r.category);
    if (r.category === r.actual) {
      right++;
      inc(autoRight, r.category);
    }
  }
  return {
    coverage: rows.length === 0 ? 0 : auto / rows.length,
    autoPrecision: auto === 0 ? 0 : right / auto,
    autoRouted: auto,
    perCategory: order.map((label) => {
      const s = support.get(label) ?? 0;
      const routed = autoTo.get(label) ?? 0;
      return {
        label,
        support: s,
        coverage: s === 0 ? 0 : (autoOfTrue.get(label) ?? 0) / s,
        autoRouted: routed,
        autoPrecision: routed === 0 ? 0 : (autoRight.get(label) ?? 0) / routed,
      };
    }),
  };
}

export interface EvaluateOptions {
  /** The model's categories (fixes the order of per-category figures). */
  readonly labels: readonly string[];
  /**
   * Tickets whose true category is not one of `labels` are unknown; they are
   * reported as this label (e.g. the `--unknown-label` of the data).
   * Without it, every true category is expected to be one of the model's.
   */
  readonly unknownLabel?: string;
}

/**
 * Everything a model is judged by on labelled tickets: accuracy, macro-F1,
 * per-category precision/recall/F1, the confusion matrix, coverage and
 * precision of the automatic routes, the calibration error, and (with
 * unknown tickets) the open-set figures.
 */
export function evaluatePredictions(rows: readonly EvaluatedPrediction[], options: EvaluateOptions): Evaluation {
  const known = new Set(options.labels);
  const hasUnknown = options.unknownLabel !== undefined;
  const actual = rows.map((r) => (hasUnknown && !known.has(r.actual) ? options.unknownLabel! : r.actual));
  const metrics = computeMetrics(
    actual,
    rows.map((r) => r.category),
    options.labels,
  );
  const relabelled = rows.map((r, i) => ({ ...r, actual: actual[i]! }));
  const ece = expectedCalibrationError(
    rows.map((r) => r.probability),
    rows.map((r, i) => r.category === actual[i]),
  );
  const evaluation: Evaluation = { ...metrics, routing: routingMetrics(relabelled, options.labels), ece };
  if (!hasUnknown) return evaluation;

  let inScope = 0;
  let inScopeRight = 0;
  let inScopeKept = 0;
  let unknown = 0;
  let unknownFlagged = 0;
  let flagged = 0;
  for (const r of rows) {
    const isUnknown = !known.has(r.actual);
    const flaggedUnknown = r.route === 'review' && r.reason === 'unknown';
    if (flaggedUnknown) flagged++;
    if (isUnknown) {
      unknown++;
      if (flaggedUnknown) unknownFlagged++;
    } else {
      inScope++;
      if (r.category === r.actual) {
        inScopeRight++;
        if (!flaggedUnknown) inScopeKept++;
      }
    }
  }
  return {
    ...evaluation,
    openSet: {
      unknownLabel: options.unknownLabel!,
      inScopeRows: inScope,
      unknownRows: unknown,
      closedSetAccuracy: inScope === 0 ? 0 : inScopeRight / inScope,
      inScopeAccuracy: inScope === 0 ? 0 : inScopeKept / inScope,
      unknownRecall: unknown === 0 ? 0 : unknownFlagged / unknown,
      unknownPrecision: flagged === 0 ? 0 : unknownFlagged / flagged,
    },
  };
}
