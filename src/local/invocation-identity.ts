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
 * same invocation already made before the crash (fauxqs/sqs-invocation-sends.ts).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { Agent, type ClientRequest } from 'node:http';

export const INVOCATION_HEADER = 'x-local-invocation';

const current = new AsyncLocalStorage<string>();

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
