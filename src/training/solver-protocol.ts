/**
 * Messages between a {@link SolverPool} and its worker threads. Every array
 * in a batch is on a `SharedArrayBuffer`: the workers read the matrix and
 * write the classes' weights and dual variables in place, nothing is copied.
 */
import type { OneVsRestProblem } from '../model/linear-svm.ts';

/** Main thread -> worker: solve tasks of these problems until `next` passes the last one. */
export interface SolveBatch {
  readonly type: 'batch';
  readonly id: number;
  readonly problems: readonly OneVsRestProblem[];
  /** Task k is classes `tasks[3k + 1] ..` (`tasks[3k + 2]` of them) of problem `tasks[3k]`. */
  readonly tasks: Int32Array;
  /** The next task to take (`Atomics.add`): each task is solved by whichever thread takes it. */
  readonly next: Int32Array;
  /** Set to 1 once a task is solved. */
  readonly solved: Int32Array;
}

/** Worker -> main thread. */
export type WorkerReply =
  | { readonly type: 'ready' }
  | { readonly type: 'done'; readonly id: number; readonly tasks: number }
  | { readonly type: 'failed'; readonly id: number; readonly message: string };

/**
 * Takes tasks of `batch` one at a time until none is left; returns how many
 * this thread solved. The main thread and every worker run this same loop.
 */
export function drainBatch(
  batch: Pick<SolveBatch, 'problems' | 'tasks' | 'next' | 'solved'>,
  solve: (problem: OneVsRestProblem, first: number, count: number) => void,
): number {
  const { tasks } = batch;
  const total = tasks.length / 3;
  let done = 0;
  for (let k = Atomics.add(batch.next, 0, 1); k < total; k = Atomics.add(batch.next, 0, 1)) {
    solve(batch.problems[tasks[3 * k]!]!, tasks[3 * k + 1]!, tasks[3 * k + 2]!);
    Atomics.store(batch.solved, k, 1);
    done++;
  }
  return done;
}
