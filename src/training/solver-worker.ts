/**
 * A solver thread of {@link SolverPool}: solves one-vs-rest classes of the
 * batches it is sent, taking tasks from the batch's shared counter until none
 * is left. Loaded through `solver-worker.mjs` from the sources, or as the
 * bundle's `training-worker.mjs` (a second esbuild entry point).
 */
import { parentPort } from 'node:worker_threads';
import { solveClasses } from '../model/linear-svm.ts';
import { drainBatch, type SolveBatch, type WorkerReply } from './solver-protocol.ts';

const port = parentPort;
if (!port) throw new Error('solver-worker.ts must run in a worker thread');

port.on('message', (batch: SolveBatch) => {
  let reply: WorkerReply;
  try {
    reply = { type: 'done', id: batch.id, tasks: drainBatch(batch, solveClasses) };
  } catch (error) {
    reply = { type: 'failed', id: batch.id, message: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(reply);
});
port.postMessage({ type: 'ready' } satisfies WorkerReply);
