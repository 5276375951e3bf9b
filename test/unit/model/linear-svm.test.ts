import { describe, expect, it } from 'vitest';
import {
  fitLinearSvm,
  fitSoftmaxScale,
  fitTfidf,
  linearClassifier,
  logLoss,
  row,
  seededRandom,
  transformAll,
} from '../../../src/model/index.ts';

/** A noisy three-topic corpus: each document mixes topic words with shared filler. */
function corpus(n: number, seed: number) {
  const topics = [
    ['printer', 'toner', 'paper', 'jam', 'scanner'],
    ['password', 'account', 'login', 'locked', 'access'],
    ['invoice', 'order', 'purchase', 'quote', 'supplier'],
  ];
  const filler = ['please', 'help', 'urgent', 'office', 'today', 'thanks'];
  const random = seededRandom(seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(random() * xs.length)]!;
  const docs: string[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const label = i % 3;
    const doc: string[] = [];
    for (let k = 0; k < 6; k++)
      doc.push(random() < 0.55 ? pick(topics[label]!) : random() < 0.5 ? pick(filler) : pick(pick(topics)));
    docs.push(doc);
    y.push(label);
  }
  return { docs, y: Int32Array.from(y) };
}

describe('linear SVM (dual coordinate descent, one-vs-rest)', () => {
  const train = corpus(600, 1);
  const test = corpus(300, 2);
  const fitted = fitTfidf(train.docs, [1, 1]);
  const xTest = transformAll(fitted.vectorizer, test.docs);
  const labels = ['hardware', 'access', 'purchase'];

  it('separates the topics well on held-out data', () => {
    const svm = linearClassifier(fitLinearSvm(fitted.matrix, train.y, labels, { c: 1 }));
    let correct = 0;
    for (let r = 0; r < xTest.rows; r++) correct += svm.predict(row(xTest, r)).category === labels[test.y[r]!] ? 1 : 0;
    expect(correct / xTest.rows).toBeGreaterThan(0.85);
  });

  it('is deterministic for a seed', () => {
    const a = fitLinearSvm(fitted.matrix, train.y, labels, { c: 1, seed: 7 });
    const b = fitLinearSvm(fitted.matrix, train.y, labels, { c: 1, seed: 7 });
    expect(Array.from(a.weights)).toEqual(Array.from(b.weights));
  });

  it('stronger regularisation (smaller C) gives smaller weights', () => {
    const norm = (w: ArrayLike<number>) => Math.sqrt(Array.from(w).reduce((s, v) => s + v * v, 0));
    expect(norm(fitLinearSvm(fitted.matrix, train.y, labels, { c: 0.05 }).weights)).toBeLessThan(
      norm(fitLinearSvm(fitted.matrix, train.y, labels, { c: 2 }).weights),
    );
  });

  it('temperature scaling lowers held-out log-loss without changing predictions', () => {
    const svm = linearClassifier(fitLinearSvm(fitted.matrix, train.y, labels, { c: 1 }));
    const scores = Array.from({ length: xTest.rows }, (_, r) => svm.scores(row(xTest, r)));
    const { scale, logLossBefore, logLossAfter } = fitSoftmaxScale(scores, test.y);
    expect(logLossAfter).toBeLessThan(logLossBefore);
    expect(logLossAfter).toBeCloseTo(logLoss(scores, test.y, scale), 12);
    expect(scale).toBeGreaterThan(1); // SVM margins are small: raw softmax is under-confident
  });
});
