/**
 * The Lambda functions' worker thread, seen from the main thread: every
 * function registered by module has its instances there
 * (function-instances.ts: one invocation at a time per instance, each with
 * its own module graph). The handlers' SDK clients run on that thread too,
 * still talking HTTP to the local servers: their client-side work (≈40% of the
 * pipeline's CPU) runs in parallel with the interpreter and the servers.
 *
 * The thread shares `process.env` with the main thread (SHARE_ENV), so
 * handlers read the settings the runtime puts there, as on Lambda. The
 * messages between the two threads are in function-protocol.ts.
 */
import type { EventLoopUtilization } from 'node:perf_hooks';
import { SHARE_ENV, Worker } from 'node:worker_threads';
import type {
  FunctionSpec,
  FunctionThreadData,
  FunctionThreadReply,
  FunctionThreadRequest,
  InstanceStats,
  LambdaErrorPayload,
} from './function-protocol.ts';
import { WORKER_RESOURCE_LIMITS } from '../heap.ts';

type Pending = {
  resolve: (reply: Extract<FunctionThreadReply, { ok: true }>) => void;
  reject: (error: LambdaErrorPayload) => void;
};

type RequestBody = FunctionThreadRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

export class FunctionThread {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;

  constructor(data: FunctionThreadData = { sharedModules: [] }) {
    this.worker = new Worker(new URL('./function-thread.worker.mjs', import.meta.url), {
      env: SHARE_ENV,
      name: 'local-lambda',
      resourceLimits: WORKER_RESOURCE_LIMITS,
      workerData: data,
    });
    this.worker.on('message', (reply: FunctionThreadReply) => {
      const waiter = this.pending.get(reply.id);
      if (!waiter) return;
      this.pending.delete(reply.id);
      if (reply.ok) waiter.resolve(reply);
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

  private send(message: RequestBody, id = this.nextId++): Promise<Extract<FunctionThreadReply, { ok: true }>> {
    if (this.closed) {
      return Promise.reject({
        errorType: 'Lambda.ServiceException',
        errorMessage: 'the local Lambda functions are stopped',
        trace: [],
      } satisfies LambdaErrorPayload);
    }
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...message, id });
    });
  }

  async register(spec: FunctionSpec): Promise<void> {
    await this.send({ type: 'register', spec });
  }

  async warm(functionName: string): Promise<void> {
    await this.send({ type: 'warm', functionName });
  }

  /**
   * Calls the function on one of its instances; resolves with the result's
   * JSON (undefined for an undefined result). `invocationKey` is the
   * invocation's identity that a re-run after a crash shares (the handler runs
   * inside `withInvocationKey`). The instance that takes it times it: past
   * `timeoutMs` it rejects with `Sandbox.Timedout` and the instance is retired.
   */
  invoke(
    functionName: string,
    eventJson: string,
    timeoutMs: number,
    invocationKey?: string,
  ): { result: Promise<string | undefined> } {
    const request = {
      type: 'invoke',
      functionName,
      eventJson,
      timeoutMs,
      ...(invocationKey !== undefined && { invocationKey }),
    } as const;
    return { result: this.send(request).then((r) => r.resultJson) };
  }

  /** How busy the thread's event loop has been since it started (Node's `eventLoopUtilization()` of the worker). */
  eventLoopUtilization(): EventLoopUtilization {
    return this.worker.performance.eventLoopUtilization();
  }

  async stats(): Promise<Record<string, InstanceStats>> {
    return (await this.send({ type: 'stats' })).stats ?? {};
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.worker.terminate();
  }
}
