/**
 * Worker side of function-thread.ts: the instances of every function
 * registered by module (function-instances.ts), called the way the Lambda
 * Node.js runtime calls a handler. Loaded through function-thread.worker.mjs.
 */
import { parentPort } from 'node:worker_threads';
import type { Context } from 'aws-lambda';
import { requestIdFor, tagRequestsWithInvocation, withInvocationKey } from '../invocation-identity.ts';
import { FunctionInstances } from './function-instances.ts';
import {
  toLambdaErrorPayload,
  type FunctionThreadReply,
  type FunctionThreadRequest,
  type InvokeRequest,
} from './function-protocol.ts';

tagRequestsWithInvocation();

const port = parentPort;
if (!port) throw new Error('function-thread.worker.ts must run in a worker thread');

const functions = new Map<string, FunctionInstances>();

const unsupported = (): never => {
  throw new Error('context.done/fail/succeed are not supported: return or throw from an async handler');
};

function contextFor(fn: FunctionInstances, deadline: number, invocationKey: string | undefined): Context {
  const requestId = requestIdFor(invocationKey);
  const { functionName, functionArn, memoryLimitInMB } = fn.spec;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: functionArn,
    memoryLimitInMB: String(memoryLimitInMB),
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `local/[$LATEST]${requestId.replaceAll('-', '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}

function functionNamed(name: string): FunctionInstances {
  const fn = functions.get(name);
  if (!fn) throw Object.assign(new Error(`Function not found: ${name}`), { name: 'Lambda.ResourceNotFoundException' });
  return fn;
}

async function invoke(request: InvokeRequest): Promise<string | undefined> {
  const fn = functionNamed(request.functionName);
  return fn.invoke(request.id, async (handler) => {
    // The timeout runs from here, as on Lambda: the wait for a free instance is not part of it.
    const deadline = Date.now() + request.timeoutMs;
    const event = JSON.parse(request.eventJson) as unknown;
    const context = contextFor(fn, deadline, request.invocationKey);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        // Lambda resets a timed-out environment: the instance is never used again.
        fn.abandon(request.id);
        reject(
          Object.assign(new Error(`Task timed out after ${(request.timeoutMs / 1000).toFixed(2)} seconds`), {
            name: 'Sandbox.Timedout',
          }),
        );
      }, request.timeoutMs);
    });
    try {
      const result = await Promise.race([
        withInvocationKey(request.invocationKey, () => handler(event, context)),
        timedOut,
      ]);
      return result === undefined ? undefined : JSON.stringify(result);
    } finally {
      clearTimeout(timer);
    }
  });
}

async function handle(request: FunctionThreadRequest): Promise<FunctionThreadReply> {
  try {
    switch (request.type) {
      case 'register':
        functions.get(request.spec.functionName)?.close();
        functions.set(request.spec.functionName, new FunctionInstances(request.spec));
        return { id: request.id, ok: true };
      case 'warm':
        await functionNamed(request.functionName).warm();
        return { id: request.id, ok: true };
      case 'invoke': {
        const resultJson = await invoke(request);
        return { id: request.id, ok: true, ...(resultJson !== undefined && { resultJson }) };
      }
      case 'stats':
        return {
          id: request.id,
          ok: true,
          stats: Object.fromEntries([...functions].map(([name, fn]) => [name, fn.stats])),
        };
    }
  } catch (err) {
    return { id: request.id, ok: false, error: toLambdaErrorPayload(err) };
  }
}

port.on('message', (request: FunctionThreadRequest) => {
  void handle(request).then((reply) => port.postMessage(reply));
});
