/**
 * Lambda functions registered by module run in a worker thread of their own
 * (one for all such functions, like one warm container per process): the
 * handler modules are imported there, called with a JSON copy of the event
 * and a Lambda `Context`, and their result comes back as JSON. Their AWS SDK
 * clients therefore run on that thread too, still talking HTTP to the local
 * servers — which is the point: the SDK's client-side work (≈40% of the
 * pipeline's CPU) runs in parallel with the interpreter and the servers
 * instead of on the same thread.
 *
 * The thread shares `process.env` with the main thread (SHARE_ENV), so
 * handlers read the settings the runtime puts there, as on Lambda. The
 * messages between the two threads are in function-protocol.ts.
 */
import { SHARE_ENV, Worker } from 'node:worker_threads';
import type { FunctionThreadReply, InvokeRequest, LambdaErrorPayload, LoadRequest } from './function-protocol.ts';

type Pending = { resolve: (resultJson: string | undefined) => void; reject: (error: LambdaErrorPayload) => void };

export class FunctionThread {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;

  constructor() {
    this.worker = new Worker(new URL('./function-thread.worker.mjs', import.meta.url), {
      env: SHARE_ENV,
      name: 'local-lambda',
    });
    this.worker.on('message', (reply: FunctionThreadReply) => {
      const waiter = this.pending.get(reply.id);
      if (!waiter) return;
      this.pending.delete(reply.id);
      if (reply.ok) waiter.resolve(reply.resultJson);
      else waiter.reject(reply.error);
    });
    this.worker.on('error', (err) => console.error('[local-runtime] Lambda function thread failed:', err));
    this.worker.on('exit', (code) => {
      const error: LambdaErrorPayload = {
        errorType: 'Lambda.ServiceException',
        errorMessage: `the function thread exited (code ${code})`,
        trace: [],
      };
      for (const waiter of this.pending.values()) waiter.reject(error);
      this.pending.clear();
      if (!this.closed) console.error(`[local-runtime] Lambda function thread exited unexpectedly (code ${code})`);
    });
  }

  private request(message: Omit<InvokeRequest, 'id'> | Omit<LoadRequest, 'id'>): Promise<string | undefined> {
    if (this.closed) {
      return Promise.reject({
        errorType: 'Lambda.ServiceException',
        errorMessage: 'the local Lambda functions are stopped',
        trace: [],
      } satisfies LambdaErrorPayload);
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...message, id });
    });
  }

  /** Imports the module in the thread; rejects (with a Lambda error payload) if it has no such export function. */
  async load(module: string, exportName: string): Promise<void> {
    await this.request({ type: 'load', module, exportName });
  }

  /** Calls the handler; resolves with the result's JSON (undefined for an undefined result). */
  invoke(request: Omit<InvokeRequest, 'id' | 'type'>): Promise<string | undefined> {
    return this.request({ type: 'invoke', ...request });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.worker.terminate();
  }
}
