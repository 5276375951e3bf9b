import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  IN_THREAD_RUNNER,
  PROFILES,
  fitTfidf,
  linearSvmFitOf,
  oneVsRestProblem,
  rowSquaredNorms,
  trainModel,
  type OneVsRestRunner,
} from '../../../src/model/index.ts';
import { BUNDLED_WORKER_FILE, createSolverPool, defaultWorkerUrl } from '../../../src/training/solver-pool.ts';
import { THREADED_FROM_ROWS, withTrainingSolver, type SolverUse } from '../../../src/training/solver.ts';
import { topicCorpus } from '../../support/topic-corpus.ts';

const { docs, y, labels } = topicCorpus(500, 8, 10);
const x = fitTfidf(docs, { ngramRange: [1, 2], float32: true, sharedMemory: true }).matrix;
const options = { c: 0.5, tolerance: 0.5, classWeight: 'balanced' as const, seed: 3 };

const problemsFor = (shared: boolean) => {
  const sqNorm = rowSquaredNorms(x, 1, shared);
  const full = oneVsRestProblem(x, y, labels.length, options, { shared, sqNorm });
  const part = oneVsRestProblem(
    x,
    y,
    labels.length,
    { ...options, rows: Int32Array.from({ length: 400 }, (_, i) => i), keepDual: false },
    { shared, sqNorm },
  );
  return [full, part];
};

describe('the solver pool (one-vs-rest classes on worker threads)', () => {
  const pools: { close(): Promise<void> }[] = [];
  afterAll(async () => {
    await Promise.all(pools.map((p) => p.close()));
  });

  it('fits every class of several problems the same, bit for bit, as one thread does', async () => {
    const pool = createSolverPool({ threads: 3 });
    pools.push(pool);
    expect(pool.sharedMemory).toBe(true);
    const expected = problemsFor(false);
    await IN_THREAD_RUNNER.solve(expected);
    const problems = problemsFor(true);
    await pool.solve(problems);
    expect(pool.degraded).toBeUndefined();
    expect(pool.threads).toBe(3);
    problems.forEach((problem, p) => {
      const fit = linearSvmFitOf(problem, labels);
      const want = linearSvmFitOf(expected[p]!, labels);
      expect(Array.from(fit.model.weights)).toEqual(Array.from(want.model.weights));
      expect(Array.from(fit.dual)).toEqual(Array.from(want.dual));
      expect(Array.from(fit.epochs)).toEqual(Array.from(want.epochs));
    });
    // A second batch on the same threads.
    const again = problemsFor(true);
    await pool.solve(again);
    expect(Array.from(again[0]!.weights)).toEqual(Array.from(problems[0]!.weights));
  });

  it.each(['linear-svm-char', 'logistic-char'] as const)(
    'trains the same %s model with threads as without (outlier exposure too)',
    async (name) => {
      const pool = createSolverPool({ threads: 2 });
      pools.push(pool);
      const texts = docs.map((d) => d.join(' '));
      const names = Array.from(y, (c) => labels[c]!);
      const open = { unknownCost: 0.02, outlierExposure: { ratio: 1, lambda: [0.3, 0.7] as const } };
      for (const extra of [{}, open]) {
        const alone = await trainModel({ texts, labels: names, profile: PROFILES[name], ...extra });
        const threaded = await trainModel({ texts, labels: names, profile: PROFILES[name], solver: pool, ...extra });
        expect(Array.from(threaded.classifier.weights)).toEqual(Array.from(alone.classifier.weights));
        expect(threaded.routing).toEqual(alone.routing);
        expect(threaded.parameters).toEqual(alone.parameters);
      }
    },
  );

  it('solves everything on the calling thread when a worker cannot start, and says why', async () => {
    const pool = createSolverPool({ threads: 2, workerUrl: pathToFileURL(join(tmpdir(), 'no-such-worker.mjs')) });
    pools.push(pool);
    const expected = problemsFor(false);
    await IN_THREAD_RUNNER.solve(expected);
    const problems = problemsFor(true);
    await pool.solve(problems);
    expect(Array.from(problems[0]!.weights)).toEqual(Array.from(expected[0]!.weights));
    expect(pool.degraded).toMatch(/solver thread/);
    expect(pool.threads).toBe(1);
  });

  it('refuses problems whose outputs the threads could not write in place', async () => {
    const pool = createSolverPool({ threads: 2 });
    pools.push(pool);
    await expect(pool.solve(problemsFor(false))).rejects.toThrow(/SharedArrayBuffer/);
  });

  it('with one thread it is the calling thread only (no shared memory needed)', async () => {
    const pool = createSolverPool({ threads: 1 });
    pools.push(pool);
    expect(pool.sharedMemory).toBe(false);
    const problems = problemsFor(false);
    await pool.solve(problems);
    expect(problems[0]!.epochs.every((e) => e > 0)).toBe(true);
  });
});

describe('defaultWorkerUrl', () => {
  it('is solver-worker.mjs beside the sources, and training-worker.mjs at the root of a bundle', () => {
    expect(defaultWorkerUrl('file:///project/src/training/solver-pool.ts')?.href).toBe(
      'file:///project/src/training/solver-worker.mjs',
    );
    // A module copy of the local Lambda runtime's function instance (npm start).
    expect(defaultWorkerUrl('file:///project/src/training/solver-pool.ts?lambda-instance=3')?.href).toBe(
      'file:///project/src/training/solver-worker.mjs',
    );
    const bundle = mkdtempSync(join(tmpdir(), 'bundle-'));
    mkdirSync(join(bundle, 'chunks'));
    expect(defaultWorkerUrl(pathToFileURL(join(bundle, 'index.mjs')).href)).toBeUndefined();
    writeFileSync(join(bundle, BUNDLED_WORKER_FILE), '');
    const expected = pathToFileURL(join(bundle, BUNDLED_WORKER_FILE)).href;
    expect(defaultWorkerUrl(pathToFileURL(join(bundle, 'index.mjs')).href)?.href).toBe(expected);
    expect(defaultWorkerUrl(pathToFileURL(join(bundle, 'chunks', 'chunk-1.mjs')).href)?.href).toBe(expected);
  });
});

describe('withTrainingSolver', () => {
  it('fits small training sets on the calling thread, and large ones on a pool it stops afterwards', async () => {
    const uses: SolverUse[] = [];
    const small = await withTrainingSolver(THREADED_FROM_ROWS - 1, async (solver) => solver, {
      threads: 2,
      onDone: (u) => uses.push(u),
    });
    expect(small).toBeUndefined();
    let seen: OneVsRestRunner | undefined;
    let threadsDuring = 0;
    await withTrainingSolver(
      THREADED_FROM_ROWS,
      async (solver) => {
        seen = solver;
        threadsDuring = solver!.threads;
        const problems = problemsFor(true);
        await solver!.solve(problems);
      },
      { threads: 2, onDone: (u) => uses.push(u) },
    );
    expect(threadsDuring).toBe(2);
    expect(uses).toEqual([{ threads: 1 }, { threads: 2 }]);
    await expect(seen!.solve(problemsFor(true))).rejects.toThrow(/closed/);
  });
});
