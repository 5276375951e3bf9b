/**
 * The emulators (fauxqs S3+SQS, dynalite DynamoDB, with their persistence) in
 * a worker thread of the same process. They still serve HTTP on 127.0.0.1 and
 * the clients still talk HTTP to them; the point is the second core: request
 * parsing, the emulators' own work, LevelDB and the SQS journal run in
 * parallel with the Lambda handlers, the interpreter and the SDK clients on
 * the main thread (measured: drain CPU moved off the main thread ≈ 30%).
 *
 * The worker runs the very same `startEmulators()` (thread `main` from its
 * point of view), see emulator-thread.worker.ts. The `Emulators` API stays
 * synchronous where it was (`createQueue`, `createBucket`): those calls block
 * the main thread for the worker's answer (Atomics.wait on a shared flag +
 * `receiveMessageOnPort`), which takes well under a millisecond and only
 * happens at setup. `flush` and `stop` are asynchronous messages. The gateway
 * reaches the servers through a small HTTP proxy (outside tools only). The
 * messages between the two threads are in emulator-protocol.ts.
 */
import { request as httpRequest, type RequestListener } from 'node:http';
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import {
  LOCAL_ACCOUNT_ID,
  type AsyncCall,
  type AsyncReply,
  type Emulators,
  type StartEmulatorsOptions,
  type SyncCall,
  type SyncReply,
  type WorkerFailed,
  type WorkerInit,
  type WorkerReady,
} from './emulator-protocol.ts';
import { WORKER_RESOURCE_LIMITS } from './heap.ts';

const SYNC_TIMEOUT_MS = 30_000;

/** Starts the emulators in a worker thread; resolves once they listen. */
export async function startEmulatorsInWorker(options: StartEmulatorsOptions): Promise<Emulators> {
  const { thread: _thread, ...workerOptions } = options;
  const { port1: syncPort, port2: workerSyncPort } = new MessageChannel();
  const syncFlag = new SharedArrayBuffer(4);
  const flag = new Int32Array(syncFlag);
  const init: WorkerInit = { options: workerOptions, syncPort: workerSyncPort, syncFlag };
  const worker = new Worker(new URL('./emulator-thread.worker.mjs', import.meta.url), {
    workerData: init,
    transferList: [workerSyncPort],
    name: 'local-emulators',
    resourceLimits: WORKER_RESOURCE_LIMITS,
  });

  const ready = await new Promise<WorkerReady>((resolve, reject) => {
    const onMessage = (message: WorkerReady | WorkerFailed): void => {
      if (message.type === 'ready' || message.type === 'failed') {
        cleanup();
        if (message.type === 'ready') resolve(message);
        else reject(new Error(`local emulators failed to start: ${message.message}`));
      }
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    const onExit = (code: number): void => {
      cleanup();
      reject(new Error(`local emulators' worker exited (code ${code}) before it started`));
    };
    const cleanup = (): void => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    worker.on('message', onMessage);
    worker.once('error', onError);
    worker.once('exit', onExit);
  }).catch(async (err: unknown) => {
    syncPort.close();
    await worker.terminate();
    throw err;
  });

  let stopped = false;
  let nextId = 1;
  const pending = new Map<number, { resolve: () => void; reject: (err: Error) => void }>();
  worker.on('message', (message: AsyncReply) => {
    if (message.type !== 'reply') return;
    const waiter = pending.get(message.id);
    pending.delete(message.id);
    if (message.error !== undefined) waiter?.reject(new Error(message.error));
    else waiter?.resolve();
  });
  worker.on('error', (err) => console.error('[local-runtime] emulator worker failed:', err));
  worker.on('exit', (code) => {
    for (const waiter of pending.values()) waiter.reject(new Error(`emulator worker exited (code ${code})`));
    pending.clear();
    if (!stopped)
      console.error(
        `[local-runtime] emulator worker exited unexpectedly (code ${code}): S3, SQS and DynamoDB are gone`,
      );
  });

  const callSync = (call: SyncCall): unknown => {
    if (stopped) throw new Error('the local emulators are stopped');
    Atomics.store(flag, 0, 0);
    syncPort.postMessage(call);
    if (Atomics.wait(flag, 0, 0, SYNC_TIMEOUT_MS) === 'timed-out')
      throw new Error(`emulator worker did not answer ${call.method}`);
    const reply = receiveMessageOnPort(syncPort)?.message as SyncReply | undefined;
    if (!reply) throw new Error(`emulator worker sent no answer to ${call.method}`);
    if (!reply.ok) throw new Error(reply.message);
    return reply.result;
  };
  const callAsync = (method: AsyncCall['method']): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      worker.postMessage({ id, method } satisfies AsyncCall);
    });

  const { endpoints, region } = ready;
  const queueUrl = (name: string): string => `${endpoints.sqs}/${LOCAL_ACCOUNT_ID}/${name}`;
  return {
    region,
    endpoints,
    requestListeners: { fauxqs: proxyTo(endpoints.sqs), dynamodb: proxyTo(endpoints.dynamodb) },
    thread: 'worker',
    persistent: ready.persistent,
    queueUrl,
    queueArn: (name) => `arn:aws:sqs:${region}:${LOCAL_ACCOUNT_ID}:${name}`,
    createQueue: (name, opts) =>
      callSync({ method: 'createQueue', name, ...(opts ? { options: opts } : {}) }) as ReturnType<
        Emulators['createQueue']
      >,
    createBucket: (name) => void callSync({ method: 'createBucket', name }),
    flush: () => (stopped ? Promise.resolve() : callAsync('flush')),
    eventLoopUtilization: () => worker.performance.eventLoopUtilization(),
    async stop() {
      if (stopped) return;
      try {
        await callAsync('stop');
      } finally {
        stopped = true;
        syncPort.close();
        await worker.terminate();
      }
    },
  };
}

/** Forwards a request to `base` (the worker's server) and streams the answer back. */
function proxyTo(base: string): RequestListener {
  const { hostname, port } = new URL(base);
  return (req, res) => {
    const upstream = httpRequest(
      { host: hostname, port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', (err) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`local emulator unreachable: ${err.message}`);
    });
    req.pipe(upstream);
  };
}
