import type { LinearModelData } from './linear.ts';
import { floatValues, type SparseMatrix } from './sparse.ts';

export interface NaiveBayesOptions {
  /** Additive (Laplace/Lidstone) smoothing. */
  readonly alpha: number;
  /** `multinomial` = scikit-learn's MultinomialNB; `complement` = ComplementNB (norm=False). */
  readonly variant: 'multinomial' | 'complement';
}

/** Per-class sums of feature values: `[c * cols + t]`. */
function featureCounts(x: SparseMatrix, y: Int32Array, classes: number): Float64Array {
  const counts = new Float64Array(classes * x.cols);
  const data = floatValues(x);
  for (let r = 0; r < x.rows; r++) {
    const base = y[r]! * x.cols;
    for (let i = x.indptr[r]!; i < x.indptr[r + 1]!; i++) counts[base + x.indices[i]!]! += data[i]!;
  }
  return counts;
}

/**
 * Multinomial / Complement Naive Bayes as a linear model over `x`, with
 * scikit-learn's formulas (see RESULTS.md of the reference):
 * multinomial `w[t,c] = log((N_ct + a) / (N_c + a V))`, bias `log(n_c / n)`;
 * complement `w[t,c] = -log((N~_ct + a) / (N~_c + a V))` over the other classes' counts, bias 0.
 * Labels are the sorted class names; `y` holds indices into them.
 */
export function fitNaiveBayes(
  x: SparseMatrix,
  y: Int32Array,
  labels: readonly string[],
  options: NaiveBayesOptions,
): LinearModelData {
  const classes = labels.length;
  const cols = x.cols;
  const { alpha } = options;
  const counts = featureCounts(x, y, classes);
  const weights = new Float32Array(cols * classes);
  const bias = new Float64Array(classes);

  if (options.variant === 'multinomial') {
    const docsPerClass = new Float64Array(classes);
    for (let r = 0; r < x.rows; r++) docsPerClass[y[r]!]!++;
    for (let c = 0; c < classes; c++) {
      let total = 0;
      for (let t = 0; t < cols; t++) total += counts[c * cols + t]! + alpha;
      const logTotal = Math.log(total);
      for (let t = 0; t < cols; t++) weights[t * classes + c] = Math.log(counts[c * cols + t]! + alpha) - logTotal;
      bias[c] = Math.log(docsPerClass[c]! / x.rows);
    }
  } else {
    const all = new Float64Array(cols);
    for (let c = 0; c < classes; c++) for (let t = 0; t < cols; t++) all[t]! += counts[c * cols + t]!;
    for (let c = 0; c < classes; c++) {
      let total = 0;
      for (let t = 0; t < cols; t++) total += all[t]! + alpha - counts[c * cols + t]!;
      const logTotal = Math.log(total);
      for (let t = 0; t < cols; t++)
        weights[t * classes + c] = -(Math.log(all[t]! + alpha - counts[c * cols + t]!) - logTotal);
    }
  }
  return { labels, numFeatures: cols, weights, bias, probability: { kind: 'softmax', scale: 1 } };
}
