import { availableParallelism } from 'node:os';
import type { OneVsRestRunner } from '../model/linear-svm.ts';
import { createSolverPool, type SolverPoolOptions } from './solver-pool.ts';

/**
 * Training sets from this many rows fit their classes on worker threads:
 * below it, starting the threads (~0.1-0.3 s) costs about what they save.
 */
export const THREADED_FROM_ROWS = 10_000;

/** What {@link withTrainingSolver} used. */
export interface SolverUse {
  readonly threads: number;
  /** Why fewer threads ran than the CPUs available, if so. */
  readonly degraded?: string;
}

/**
 * Runs `train` with a solver for a training set of `rows` rows: a pool of
 * solver threads (one per CPU, the calling thread included) when the set is
 * large enough and there is more than one CPU, else none (`train` then fits
 * on the calling thread). The threads start at once, so they load while
 * `train` preprocesses, and stop when it is done.
 */
export async function withTrainingSolver<T>(
  rows: number,
  train: (solver: OneVsRestRunner | undefined) => Promise<T>,
  options: SolverPoolOptions & { onDone?: (use: SolverUse) => void } = {},
): Promise<T> {
  const threads = options.threads ?? availableParallelism();
  if (rows < THREADED_FROM_ROWS || threads < 2) {
    options.onDone?.({ threads: 1 });
    return train(undefined);
  }
  const pool = createSolverPool({ ...options, threads });
  try {
    return await train(pool);
  } finally {
    options.onDone?.({ threads: pool.threads, ...(pool.degraded && { degraded: pool.degraded }) });
    await pool.close();
  }
}
