import type { LinearModelData } from './linear.ts';
import type { TfidfData } from './tfidf.ts';
import { buildVocabulary, vocabularyFrom } from './vocabulary.ts';

export interface PrunedModel {
  readonly tfidf: TfidfData;
  readonly classifier: LinearModelData;
  readonly keptFeatures: number;
}

/**
 * Drops the n-grams whose weight is below `threshold` (in absolute value) for
 * every category: they barely move any score, yet each costs vocabulary,
 * idf and weight bytes that every cold start loads. The dropped n-grams then
 * count as unknown words (they no longer take part in a row's L2 norm).
 */
export function pruneFeatures(tfidf: TfidfData, classifier: LinearModelData, threshold: number): PrunedModel {
  const classes = classifier.labels.length;
  const vocabulary = vocabularyFrom(tfidf.vocabulary);
  const keep: number[] = [];
  for (let t = 0; t < classifier.numFeatures; t++) {
    let max = 0;
    for (let c = 0; c < classes; c++) max = Math.max(max, Math.abs(classifier.weights[t * classes + c]!));
    if (max >= threshold) keep.push(t);
  }
  const weights = new Float32Array(keep.length * classes);
  const idf = new Float64Array(keep.length);
  keep.forEach((t, i) => {
    idf[i] = tfidf.idf[t]!;
    for (let c = 0; c < classes; c++) weights[i * classes + c] = classifier.weights[t * classes + c]!;
  });
  return {
    tfidf: { ngramRange: tfidf.ngramRange, vocabulary: buildVocabulary(keep.map((t) => vocabulary.term(t))), idf },
    classifier: { ...classifier, numFeatures: keep.length, weights },
    keptFeatures: keep.length,
  };
}
