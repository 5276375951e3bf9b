/**
 * Worker side of function-thread.ts: imports handler modules and calls them
 * the way the Lambda Node.js runtime does. Loaded through
 * function-thread.worker.mjs (which registers tsx for this thread).
 */
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { parentPort } from 'node:worker_threads';
import type { Context } from 'aws-lambda';
import { tagRequestsWithInvocation, withInvocationKey } from '../invocation-identity.ts';
import {
  toLambdaErrorPayload,
  type FunctionThreadReply,
  type InvokeRequest,
  type LambdaHandler,
  type LoadRequest,
} from './function-protocol.ts';

tagRequestsWithInvocation();

const port = parentPort;
if (!port) throw new Error('function-thread.worker.ts must run in a worker thread');

const modules = new Map<string, Promise<Record<string, unknown>>>();

async function handlerOf(module: string, exportName: string): Promise<LambdaHandler<never>> {
  let loading = modules.get(module);
  if (!loading) {
    loading = import(module.startsWith('file:') ? module : pathToFileURL(module).href) as Promise<
      Record<string, unknown>
    >;
    modules.set(module, loading);
    loading.catch(() => modules.delete(module));
  }
  const handler = (await loading)[exportName];
  if (typeof handler !== 'function') throw new TypeError(`${module} exports no function "${exportName}"`);
  return handler as LambdaHandler<never>;
}

const unsupported = (): never => {
  throw new Error('context.done/fail/succeed are not supported: return or throw from an async handler');
};

function contextFor(request: InvokeRequest): Context {
  const requestId = randomUUID();
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: request.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: request.functionArn,
    memoryLimitInMB: String(request.memoryLimitInMB),
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${request.functionName}`,
    logStreamName: `local/[$LATEST]${requestId.replaceAll('-', '')}`,
    getRemainingTimeInMillis: () => Math.max(0, request.deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}

async function handle(request: InvokeRequest | LoadRequest): Promise<FunctionThreadReply> {
  try {
    const handler = await handlerOf(request.module, request.exportName);
    if (request.type === 'load') return { id: request.id, ok: true };
    const event = JSON.parse(request.eventJson) as never;
    const result = await withInvocationKey(request.invocationKey, () => handler(event, contextFor(request)));
    return { id: request.id, ok: true, ...(result !== undefined && { resultJson: JSON.stringify(result) }) };
  } catch (err) {
    return { id: request.id, ok: false, error: toLambdaErrorPayload(err) };
  }
}

port.on('message', (request: InvokeRequest | LoadRequest) => {
  void handle(request).then((reply) => port.postMessage(reply));
});
