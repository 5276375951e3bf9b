/**
 * Worker side of emulator-thread.ts: starts the emulators on this thread and
 * answers the main thread's calls. Loaded through emulator-thread.worker.mjs
 * (a worker needs a JavaScript entry; that one loads this file with tsx).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type {
  AsyncCall,
  AsyncReply,
  SyncCall,
  SyncReply,
  WorkerFailed,
  WorkerInit,
  WorkerReady,
  Emulators,
} from './emulator-protocol.ts';
import { startEmulators } from './emulators.ts';

const init = workerData as WorkerInit;
const port = parentPort;
if (!port) throw new Error('emulator-thread.worker.ts must run in a worker thread');
const flag = new Int32Array(init.syncFlag);

let emulators: Emulators;
try {
  emulators = await startEmulators({ ...init.options, thread: 'main' });
} catch (err) {
  port.postMessage({
    type: 'failed',
    message: err instanceof Error ? err.message : String(err),
  } satisfies WorkerFailed);
  init.syncPort.close();
  throw err;
}

init.syncPort.on('message', (call: SyncCall) => {
  let reply: SyncReply;
  try {
    const result =
      call.method === 'createQueue'
        ? emulators.createQueue(call.name, call.options)
        : emulators.createBucket(call.name);
    reply = { ok: true, result };
  } catch (err) {
    reply = { ok: false, message: err instanceof Error ? err.message : String(err) };
  }
  init.syncPort.postMessage(reply);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
});

port.on('message', (call: AsyncCall) => {
  const work = call.method === 'flush' ? emulators.flush() : emulators.stop().then(() => init.syncPort.close());
  work.then(
    () => port.postMessage({ type: 'reply', id: call.id } satisfies AsyncReply),
    (err: unknown) =>
      port.postMessage({
        type: 'reply',
        id: call.id,
        error: err instanceof Error ? err.message : String(err),
      } satisfies AsyncReply),
  );
});

port.postMessage({
  type: 'ready',
  endpoints: emulators.endpoints,
  region: emulators.region,
  persistent: emulators.persistent,
} satisfies WorkerReady);
