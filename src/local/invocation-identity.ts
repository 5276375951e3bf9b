/**
 * The identity of a Lambda invocation made by a Step Functions Task, shared by
 * the invocation that a crash cut short and its re-run after the restart
 * (`<executionArn>#<state>#<attempt>`).
 *
 * On AWS the services never go down with a function: an invocation in flight
 * when "everything crashes" locally would simply have finished. Locally it is
 * killed with the process, and the restarted runtime runs it again. So that
 * the re-run looks like the invocation that finished, each HTTP request a
 * handler makes while it runs carries the identity (header
 * `x-local-invocation`), and the local SQS does not repeat a send that the
 * same invocation already made before the crash (fauxqs/sqs-persistence.ts,
 * InvocationSends). The handler sees the identity as its Lambda request id
 * (`context.awsRequestId`, {@link requestIdFor}): the re-run has the id of the
 * invocation it repeats, so what the handler wrote under its request id (e.g.
 * the holder of an in-progress idempotency record) is its own again.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { hash, randomUUID } from 'node:crypto';
import { Agent, type ClientRequest } from 'node:http';

export const INVOCATION_HEADER = 'x-local-invocation';

const current = new AsyncLocalStorage<string>();

/**
 * The Lambda request id of an invocation: derived from its identity when it
 * has one (the same for the invocation a crash cut short and its re-run;
 * a UUID of version 8, from SHA-256), else a random UUID, as on Lambda.
 */
export function requestIdFor(invocationKey: string | undefined): string {
  if (invocationKey === undefined) return randomUUID();
  // One-shot hash: no Hash object per invocation (five per ticket; it was ~1.5% of the Lambda thread's CPU).
  const b = hash('sha256', invocationKey, 'buffer').subarray(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x80;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = b.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Runs `fn` (a handler call) with `key` as the invocation identity of the requests it makes. */
export function withInvocationKey<T>(key: string | undefined, fn: () => T | Promise<T>): Promise<T> {
  if (key === undefined) return Promise.resolve().then(fn);
  return current.run(key, () => Promise.resolve().then(fn));
}

const tagged = Symbol.for('ticket-triage.local.invocation-header');

/**
 * Makes every HTTP request of this thread made inside `withInvocationKey`
 * carry the identity header (requests go through `Agent.prototype.addRequest`
 * before their headers are written; the SDK's clients use an `http.Agent`).
 */
export function tagRequestsWithInvocation(): void {
  const proto = Agent.prototype as Agent & { addRequest(req: ClientRequest, options: unknown): void };
  const marked = proto as unknown as Record<symbol, boolean>;
  if (marked[tagged]) return;
  const addRequest = proto.addRequest;
  proto.addRequest = function withInvocation(this: Agent, req: ClientRequest, options: unknown) {
    const key = current.getStore();
    if (key !== undefined && !req.headersSent) req.setHeader(INVOCATION_HEADER, encodeURIComponent(key));
    return addRequest.call(this, req, options);
  };
  marked[tagged] = true;
}
