import { decideRoute, fixedThresholdPolicy, type ReviewReason, type Route, type RoutingPolicy } from './routing.ts';
import type { SparseVector } from './sparse.ts';

/** How models without a routing policy of their own (older artifacts) route: the old fixed threshold. */
export const LEGACY_REVIEW_THRESHOLD = 0.6;

/**
 * Every classifier here is linear over the TF-IDF features (Naive Bayes in log
 * space is too): `score[c] = bias[c] + sum_t x[t] * weights[t, c]`, and the
 * probabilities are `softmax(scale * score)`. For Naive Bayes `scale = 1`
 * gives scikit-learn's `predict_proba` exactly; for the linear SVM `scale`
 * is fitted on held-out data (temperature scaling).
 */
export interface LinearModelData {
  readonly labels: readonly string[];
  readonly numFeatures: number;
  /** Feature-major: `weights[t * labels.length + c]`. */
  readonly weights: Float32Array | Float64Array;
  readonly bias: Float64Array;
  readonly probability: { readonly kind: 'softmax'; readonly scale: number };
  /** When a prediction may be routed automatically (fitted at training; absent in older models). */
  readonly routing?: RoutingPolicy;
}

export interface CategoryProbability {
  readonly category: string;
  readonly probability: number;
}

export interface FeatureContribution {
  readonly feature: number;
  /** How much this feature raised the chosen category's score over the runner-up's. */
  readonly contribution: number;
}

export interface Prediction {
  readonly category: string;
  readonly probability: number;
  /** The `topK` most probable categories, most probable first. */
  readonly top: readonly CategoryProbability[];
  /** Features that pushed most towards the chosen category (only when asked). */
  readonly explanation?: readonly FeatureContribution[];
  /** `auto`: route to `category`; `review`: a person decides (see `reason`). */
  readonly route: Route;
  /** Why the prediction goes to review (only when `route` is `review`). */
  readonly reason?: ReviewReason;
  /** The chosen category's raw score, and its lead over the runner-up's (what the unknown rule reads). */
  readonly maxScore: number;
  readonly margin: number;
}

export interface PredictOptions {
  readonly topK?: number;
  /** How many contributing features to return (0 = none). */
  readonly explain?: number;
  /** Route with this policy instead of the model's own (e.g. another target precision). */
  readonly routing?: RoutingPolicy;
}

export interface LinearClassifier {
  readonly data: LinearModelData;
  readonly labels: readonly string[];
  scores(x: SparseVector): Float64Array;
  probabilities(x: SparseVector): Float64Array;
  predict(x: SparseVector, options?: PredictOptions): Prediction;
}

/** Numerically stable softmax of `scale * scores` (in place into a new array). */
export function softmax(scores: ArrayLike<number>, scale = 1): Float64Array {
  const out = new Float64Array(scores.length);
  let max = -Infinity;
  for (let i = 0; i < scores.length; i++) max = Math.max(max, scale * scores[i]!);
  let sum = 0;
  for (let i = 0; i < scores.length; i++) {
    out[i] = Math.exp(scale * scores[i]! - max);
    sum += out[i]!;
  }
  for (let i = 0; i < out.length; i++) out[i]! /= sum;
  return out;
}

/** Index of the largest value; ties go to the first (as numpy's argmax). */
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

export function linearClassifier(data: LinearModelData): LinearClassifier {
  const { labels, weights, bias, numFeatures } = data;
  const classes = labels.length;
  const scale = data.probability.scale;
  const ownRouting = data.routing ?? fixedThresholdPolicy(LEGACY_REVIEW_THRESHOLD);

  const scores = (x: SparseVector): Float64Array => {
    const out = Float64Array.from(bias);
    for (let i = 0; i < x.indices.length; i++) {
      const t = x.indices[i]!;
      if (t < 0 || t >= numFeatures)
        throw new RangeError(`feature ${t} is outside this model's ${numFeatures} features`);
      const v = x.values[i]!;
      const base = t * classes;
      for (let c = 0; c < classes; c++) out[c]! += v * weights[base + c]!;
    }
    return out;
  };

  return {
    data,
    labels,
    scores,
    probabilities: (x) => softmax(scores(x), scale),
    predict(x, options = {}): Prediction {
      const s = scores(x);
      const p = softmax(s, scale);
      const order = Array.from(p.keys()).sort((a, b) => p[b]! - p[a]! || a - b);
      const best = argmax(s);
      const topK = Math.max(1, Math.min(options.topK ?? 3, classes));
      const top = order.slice(0, topK).map((c) => ({ category: labels[c]!, probability: p[c]! }));
      let second = -Infinity;
      for (let c = 0; c < classes; c++) if (c !== best && s[c]! > second) second = s[c]!;
      const signals = {
        category: labels[best]!,
        probability: p[best]!,
        maxScore: s[best]!,
        margin: classes > 1 ? s[best]! - second : Infinity,
      };
      const decision = decideRoute(options.routing ?? ownRouting, signals);
      const prediction: Prediction = { ...signals, top, ...decision };
      if (!options.explain) return prediction;
      const runnerUp = order[0] === best ? order[1] : order[0];
      const contributions: FeatureContribution[] = [];
      for (let i = 0; i < x.indices.length; i++) {
        const t = x.indices[i]!;
        const delta =
          runnerUp === undefined
            ? weights[t * classes + best]!
            : weights[t * classes + best]! - weights[t * classes + runnerUp]!;
        const contribution = x.values[i]! * delta;
        if (contribution > 0) contributions.push({ feature: t, contribution });
      }
      contributions.sort((a, b) => b.contribution - a.contribution);
      return { ...prediction, explanation: contributions.slice(0, options.explain) };
    },
  };
}
