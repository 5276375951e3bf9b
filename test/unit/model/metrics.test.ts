import { describe, expect, it } from 'vitest';
import { computeMetrics } from '../../../src/model/index.ts';

describe('metrics', () => {
  // scikit-learn: accuracy 0.6, macro-F1 0.5777..., classes a, b, c
  const actual = ['a', 'a', 'b', 'b', 'c'];
  const predicted = ['a', 'b', 'b', 'b', 'a'];
  const m = computeMetrics(actual, predicted, ['a', 'b', 'c']);

  it('computes accuracy and macro-F1 like scikit-learn', () => {
    expect(m.accuracy).toBeCloseTo(0.6, 12);
    // a: p=1/2 r=1/2 f=0.5; b: p=2/3 r=1 f=0.8; c: p=0 r=0 f=0
    expect(m.macroF1).toBeCloseTo((0.5 + 0.8 + 0) / 3, 12);
    expect(m.perClass.map((c) => c.support)).toEqual([2, 2, 1]);
  });

  it('builds the confusion matrix with rows = truth, columns = prediction', () => {
    expect(m.confusion).toEqual([
      [1, 1, 0],
      [0, 2, 0],
      [1, 0, 0],
    ]);
  });

  it('appends labels it was not told about', () => {
    expect(computeMetrics(['x'], ['y'], ['x']).labels).toEqual(['x', 'y']);
  });
});
