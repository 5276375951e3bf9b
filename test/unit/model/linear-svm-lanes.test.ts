import { describe, expect, it } from 'vitest';
import {
  fitLinearSvmDual,
  fitTfidf,
  linearSvmFitOf,
  oneVsRestProblem,
  planTasks,
  solveClasses,
  MAX_LANES,
} from '../../../src/model/index.ts';
import { topicCorpus } from '../../support/topic-corpus.ts';

describe('one-vs-rest classes fitted side by side (lanes)', () => {
  const { docs, y, labels } = topicCorpus(700, 4);
  const x = fitTfidf(docs, { ngramRange: [1, 2], float32: true }).matrix;
  const options = { c: 0.5, tolerance: 0.1, classWeight: 'balanced' as const, seed: 5 };

  const fitWithLanes = (lanes: number, extra: Partial<Parameters<typeof oneVsRestProblem>[3]> = {}) => {
    const problem = oneVsRestProblem(x, y, labels.length, { ...options, ...extra });
    // Backwards, so that neither the grouping nor the order of the classes can matter.
    const starts = [];
    for (let c = 0; c < labels.length; c += lanes) starts.push(c);
    for (const c of starts.reverse()) solveClasses(problem, c, Math.min(lanes, labels.length - c));
    return linearSvmFitOf(problem, labels);
  };

  it('gives every class the same fit, bit for bit, whichever classes share its pass', () => {
    const one = fitWithLanes(1);
    for (const lanes of [2, 3, 4, 8]) {
      const fit = fitWithLanes(lanes);
      expect(Array.from(fit.model.weights)).toEqual(Array.from(one.model.weights));
      expect(Array.from(fit.model.bias)).toEqual(Array.from(one.model.bias));
      expect(Array.from(fit.dual)).toEqual(Array.from(one.dual));
      expect(Array.from(fit.epochs)).toEqual(Array.from(one.epochs));
      expect(fit.visits).toBe(one.visits);
    }
    expect(one.visits).toBeGreaterThan(x.rows * labels.length); // more than one epoch: shrinking and updates ran
  });

  it('the same with a warm start on some rows and shrinking from it', () => {
    const full = fitWithLanes(8);
    const rows = Int32Array.from({ length: 600 }, (_, i) => i);
    const warm = { rows, warmStart: full.dual, shrinkFromWarmStart: true, maxEpochs: 3 };
    const one = fitWithLanes(1, warm);
    const eight = fitWithLanes(8, warm);
    expect(Array.from(eight.model.weights)).toEqual(Array.from(one.model.weights));
    expect(Array.from(eight.dual)).toEqual(Array.from(one.dual));
    for (let c = 0; c < labels.length; c++) for (let r = 600; r < 700; r++) expect(one.dual[c * 700 + r]).toBe(0);
  });

  it('fitLinearSvmDual is that fit', () => {
    const fit = fitLinearSvmDual(x, y, labels, options);
    expect(Array.from(fit.model.weights)).toEqual(Array.from(fitWithLanes(1).model.weights));
  });

  it('refuses lanes outside the problem', () => {
    const problem = oneVsRestProblem(x, y, labels.length, options);
    expect(() => solveClasses(problem, 8, 2)).toThrow(RangeError);
    expect(() => solveClasses(problem, 0, MAX_LANES + 1)).toThrow(RangeError);
  });
});

describe('planTasks', () => {
  const covered = (tasks: Int32Array, problems: { classes: number }[]) => {
    const seen = problems.map((p) => new Array<number>(p.classes).fill(0));
    for (let k = 0; k < tasks.length; k += 3)
      for (let c = tasks[k + 1]!; c < tasks[k + 1]! + tasks[k + 2]!; c++) seen[tasks[k]!]![c]!++;
    return seen.every((s) => s.every((n) => n === 1));
  };

  it('covers every class of every problem exactly once', () => {
    for (const threads of [1, 2, 3, 6, 16])
      for (const problems of [[{ classes: 8 }], [{ classes: 77 }], [{ classes: 8 }, { classes: 8 }], [{ classes: 2 }]])
        expect(covered(planTasks(problems, threads), problems)).toBe(true);
  });

  it('fits many classes per pass on one thread, and gives every thread work when there are several', () => {
    expect(planTasks([{ classes: 8 }], 1)[2]).toBe(8); // one pass of 8
    expect(planTasks([{ classes: 8 }], 2).length / 3).toBe(2); // two passes of 4, one per thread
    expect(planTasks([{ classes: 8 }], 6).length / 3).toBeGreaterThanOrEqual(4);
  });
});
