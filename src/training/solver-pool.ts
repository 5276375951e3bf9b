/**
 * Fits the one-vs-rest classes of the linear SVM on several threads: the
 * calling thread and `threads - 1` worker threads take classes from a shared
 * counter until none is left (the slowest class does not hold back the
 * others). The matrix and every output are on `SharedArrayBuffer`s, so
 * nothing is copied between threads, and each class has its own seeded
 * order, so the model is the same bit for bit with any number of threads.
 *
 * Works wherever training runs: the CLI and benchmarks (from the sources:
 * `solver-worker.mjs` registers tsx in the thread), the local Lambda runtime
 * of `npm start` (worker threads inside its function thread) and the bundled
 * retrain Lambda (its `training-worker.mjs`, a second esbuild entry point next
 * to `index.mjs`). Without a worker entry it solves everything on the calling
 * thread.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { planTasks, solveClasses, type OneVsRestProblem, type OneVsRestRunner } from '../model/linear-svm.ts';
import { drainBatch, type SolveBatch, type WorkerReply } from './solver-protocol.ts';

/** The worker entry's file name in a bundle (next to the handler's `index.mjs`). */
export const BUNDLED_WORKER_FILE = 'training-worker.mjs';

export interface SolverPoolOptions {
  /** Threads in all, the calling one included (default: the CPUs available, `os.availableParallelism()`). */
  readonly threads?: number;
  /** The worker's entry module (default: {@link defaultWorkerUrl}). */
  readonly workerUrl?: URL;
}

export interface SolverPool extends OneVsRestRunner {
  /** Why there are fewer threads than asked for (a worker could not start or died), if so. */
  readonly degraded: string | undefined;
  /** Stops the worker threads. */
  close(): Promise<void>;
}

/**
 * Where the worker entry is: `solver-worker.mjs` beside this file when it runs
 * from the sources; in a bundle, `training-worker.mjs` at the bundle's root
 * (this code may sit in `index.mjs` or in a chunk one folder down).
 */
export function defaultWorkerUrl(moduleUrl: string = import.meta.url): URL | undefined {
  // The local Lambda runtime loads a copy of the modules per function instance, told apart by a query.
  if (new URL(moduleUrl).pathname.endsWith('.ts')) return new URL('./solver-worker.mjs', moduleUrl);
  for (const candidate of [`./${BUNDLED_WORKER_FILE}`, `../${BUNDLED_WORKER_FILE}`]) {
    const url = new URL(candidate, moduleUrl);
    if (url.protocol === 'file:' && existsSync(fileURLToPath(url))) return url;
  }
  return undefined;
}

interface Thread {
  readonly worker: Worker;
  alive: boolean;
  /** Settles the batch this worker is on (with whether it finished its share). */
  settle?: (finished: boolean) => void;
}

function isShared(array: ArrayBufferView): boolean {
  return array.buffer instanceof SharedArrayBuffer;
}

export function createSolverPool(options: SolverPoolOptions = {}): SolverPool {
  const wanted = Math.max(1, Math.floor(options.threads ?? availableParallelism()));
  const workerUrl = wanted > 1 ? (options.workerUrl ?? defaultWorkerUrl()) : undefined;
  let degraded: string | undefined =
    wanted > 1 && !workerUrl ? `no solver worker entry next to ${import.meta.url}` : undefined;
  const threads: Thread[] = [];
  let batches = 0;
  let closed = false;

  const lose = (thread: Thread, why: string) => {
    if (!thread.alive) return;
    thread.alive = false;
    degraded ??= why;
    thread.settle?.(false);
    thread.settle = undefined;
  };
  if (workerUrl) {
    for (let i = 1; i < wanted; i++) {
      const worker = new Worker(workerUrl, { name: `svm-solver-${i}` });
      const thread: Thread = { worker, alive: true };
      worker.unref();
      worker.on('message', (reply: WorkerReply) => {
        if (reply.type === 'ready') return;
        if (reply.type === 'failed') degraded ??= `a solver thread failed: ${reply.message}`;
        thread.settle?.(reply.type === 'done');
        thread.settle = undefined;
      });
      worker.on('error', (error) => lose(thread, `a solver thread failed: ${error.message}`));
      worker.on('exit', (code) => lose(thread, `a solver thread exited (code ${code})`));
      threads.push(thread);
    }
  }

  return {
    sharedMemory: workerUrl !== undefined,
    get threads() {
      return 1 + threads.filter((t) => t.alive).length;
    },
    get degraded() {
      return degraded;
    },
    async solve(problems: readonly OneVsRestProblem[]): Promise<void> {
      if (closed) throw new Error('the solver pool is closed');
      const helpers = threads.filter((t) => t.alive);
      const planned = planTasks(problems, 1 + helpers.length);
      const tasks = new Int32Array(new SharedArrayBuffer(planned.byteLength));
      tasks.set(planned);
      const total = tasks.length / 3;
      const batch: SolveBatch = {
        type: 'batch',
        id: ++batches,
        problems,
        tasks,
        next: new Int32Array(new SharedArrayBuffer(4)),
        solved: new Int32Array(new SharedArrayBuffer(4 * total)),
      };
      if (helpers.length > 0) {
        for (const problem of problems) {
          const { x } = problem;
          const arrays = [x.indptr, x.indices, x.data, problem.weights, problem.dual, problem.epochs, problem.visits];
          if (!arrays.every(isShared))
            throw new Error('a problem solved on several threads needs its matrix and outputs on SharedArrayBuffers');
        }
      }
      const finished = helpers.map(
        (thread) =>
          new Promise<boolean>((resolve) => {
            thread.settle = resolve;
            thread.worker.ref();
            thread.worker.postMessage(batch);
          }),
      );
      try {
        drainBatch(batch, solveClasses);
        await Promise.all(finished);
      } finally {
        for (const thread of helpers) if (thread.alive) thread.worker.unref();
      }
      // A task a lost worker had taken and not finished: solved here.
      for (let t = 0; t < total; t++)
        if (batch.solved[t] === 0) solveClasses(problems[tasks[3 * t]!]!, tasks[3 * t + 1]!, tasks[3 * t + 2]!);
    },
    async close(): Promise<void> {
      closed = true;
      await Promise.all(
        threads.map(async (thread) => {
          thread.alive = false;
          thread.settle?.(false);
          await thread.worker.terminate();
        }),
      );
    },
  };
}
