import type { LinearModelData } from './linear.ts';

/**
 * The n-grams worth keeping: those whose weight reaches `threshold` (in
 * absolute value) for at least one category. The others barely move any
 * score, yet each costs vocabulary, idf and weight bytes that every cold start
 * loads; once dropped they count as unknown words (and no longer take part in
 * a row's L2 norm). Ascending feature ids.
 */
export function featuresToKeep(classifier: LinearModelData, threshold: number): Int32Array {
  const classes = classifier.labels.length;
  const keep: number[] = [];
  for (let t = 0; t < classifier.numFeatures; t++) {
    for (let c = 0; c < classes; c++) {
      if (Math.abs(classifier.weights[t * classes + c]!) >= threshold) {
        keep.push(t);
        break;
      }
    }
  }
  return Int32Array.from(keep);
}

/** The classifier over the `keep` features only (renumbered 0.. in that order). */
export function selectFeatures(classifier: LinearModelData, keep: Int32Array): LinearModelData {
  const classes = classifier.labels.length;
  const weights = new Float32Array(keep.length * classes);
  keep.forEach((t, i) => {
    for (let c = 0; c < classes; c++) weights[i * classes + c] = classifier.weights[t * classes + c]!;
  });
  return { ...classifier, numFeatures: keep.length, weights };
}
