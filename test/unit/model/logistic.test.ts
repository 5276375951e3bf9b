import { describe, expect, it } from 'vitest';
import {
  fitLinearSvmDual,
  fitTfidf,
  linearClassifier,
  oneVsRestProblem,
  row,
  seededRandom,
  solveClasses,
  transformAll,
  type LinearSvmOptions,
} from '../../../src/model/index.ts';
import type { SparseMatrix } from '../../../src/model/sparse.ts';

const fitLogisticDual = (x: SparseMatrix, y: Int32Array, labels: string[], options: LinearSvmOptions) =>
  fitLinearSvmDual(x, y, labels, { ...options, loss: 'logistic' });

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

/**
 * The gradient of class c's primal objective, 0.5 |w|^2 + sum_i C_i log(1 + exp(-y_i w.x_i))
 * (the bias as a feature of value 1), at the fitted weights: 0 at the optimum.
 */
function primalGradientNorm(
  x: SparseMatrix,
  y: Int32Array,
  w: Float64Array,
  bias: number,
  c: number,
  cPositive: number,
): number {
  const grad = Float64Array.from(w);
  let gBias = bias;
  for (let i = 0; i < x.rows; i++) {
    const yi = y[i] === 0 ? 1 : -1;
    let dot = bias;
    for (let k = x.indptr[i]!; k < x.indptr[i + 1]!; k++) dot += w[x.indices[k]!]! * x.data[k]!;
    const ci = yi > 0 ? cPositive : c;
    const g = -ci * yi * (1 / (1 + Math.exp(yi * dot)));
    for (let k = x.indptr[i]!; k < x.indptr[i + 1]!; k++) grad[x.indices[k]!]! += g * x.data[k]!;
    gBias += g;
  }
  return Math.sqrt(grad.reduce((s, v) => s + v * v, 0) + gBias * gBias);
}

describe('logistic regression (dual coordinate descent, one-vs-rest)', () => {
  const train = corpus(600, 1);
  const test = corpus(300, 2);
  const fitted = fitTfidf(train.docs, [1, 1]);
  const xTest = transformAll(fitted.vectorizer, test.docs);
  const labels = ['hardware', 'access', 'purchase'];
  const x = fitted.matrix;

  it('separates the topics well on held-out data', () => {
    const model = linearClassifier(fitLogisticDual(x, train.y, labels, { c: 10 }).model);
    let correct = 0;
    for (let r = 0; r < xTest.rows; r++)
      correct += model.predict(row(xTest, r)).category === labels[test.y[r]!] ? 1 : 0;
    expect(correct / xTest.rows).toBeGreaterThan(0.85);
  });

  it('reaches the optimum of the primal problem (gradient near 0), balanced weights included', () => {
    // Class 0 has a third of the rows: balanced weighs its positives by 600 / (3 * 200) = 1.
    const unbalanced = Int32Array.from(train.y, (v, i) => (v === 0 && i % 2 === 0 ? 1 : v));
    const positives = unbalanced.filter((v) => v === 0).length;
    const fit = fitLogisticDual(x, unbalanced, labels, { c: 2, tolerance: 1e-4, classWeight: 'balanced' });
    const w = Float64Array.from({ length: x.cols }, (_, t) => fit.model.weights[t * 3]!);
    const loose = fitLogisticDual(x, unbalanced, labels, { c: 2, tolerance: 1, classWeight: 'balanced' });
    const wLoose = Float64Array.from({ length: x.cols }, (_, t) => loose.model.weights[t * 3]!);
    const cPositive = (2 * x.rows) / (3 * positives);
    const tight = primalGradientNorm(x, unbalanced, w, fit.model.bias[0]!, 2, cPositive);
    // float32 weights: the gradient is small, not 0; a loose tolerance stops visibly further away.
    expect(tight).toBeLessThan(0.05);
    expect(primalGradientNorm(x, unbalanced, wLoose, loose.model.bias[0]!, 2, cPositive)).toBeGreaterThan(tight);
    // Without balancing, the minority class's gradient at the balanced weights is not 0.
    expect(primalGradientNorm(x, unbalanced, w, fit.model.bias[0]!, 2, 2)).toBeGreaterThan(10 * tight);
  });

  it('fits the same classes whatever lanes share a pass', () => {
    const options = { c: 10, seed: 3, loss: 'logistic' as const };
    const whole = oneVsRestProblem(x, train.y, 3, options);
    solveClasses(whole, 0, 3);
    const apart = oneVsRestProblem(x, train.y, 3, options);
    for (let c = 2; c >= 0; c--) solveClasses(apart, c, 1);
    expect(Array.from(apart.weights)).toEqual(Array.from(whole.weights));
    expect(Array.from(apart.dual)).toEqual(Array.from(whole.dual));
  });

  it('is deterministic for a seed, and a warm start from its own dual variables converges at once', () => {
    const a = fitLogisticDual(x, train.y, labels, { c: 10, seed: 7 });
    const b = fitLogisticDual(x, train.y, labels, { c: 10, seed: 7 });
    expect(Array.from(a.model.weights)).toEqual(Array.from(b.model.weights));
    const warm = fitLogisticDual(x, train.y, labels, { c: 10, seed: 7, warmStart: a.dual });
    expect(Math.max(...warm.epochs)).toBeLessThanOrEqual(2);
    expect(Math.min(...a.epochs)).toBeGreaterThan(2);
  });

  it('fits on the given rows only; rows labelled -1 are negatives of every class', () => {
    const rows = Int32Array.from({ length: 300 }, (_, i) => i);
    const half = fitLogisticDual(x, train.y, labels, { c: 10, rows });
    // Class-major dual variables: [class * rows + row].
    for (let c = 0; c < 3; c++) {
      const own = half.dual.subarray(c * x.rows, (c + 1) * x.rows);
      expect(Array.from(own.subarray(300)).every((v) => v === 0)).toBe(true);
      expect(Array.from(own.subarray(0, 300)).every((v) => v > 0)).toBe(true);
    }
    // Rows 0..99 relabelled -1: the classes score them lower than when they were their own.
    const y = Int32Array.from(train.y, (v, i) => (i < 100 ? -1 : v));
    const none = linearClassifier(fitLogisticDual(x, y, labels, { c: 10 }).model);
    const all = linearClassifier(fitLogisticDual(x, train.y, labels, { c: 10 }).model);
    let lower = 0;
    for (let r = 0; r < 100; r++) if (Math.max(...none.scores(row(x, r))) < Math.max(...all.scores(row(x, r)))) lower++;
    expect(lower).toBeGreaterThan(95);
  });
});
