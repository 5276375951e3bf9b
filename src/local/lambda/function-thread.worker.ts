/**
 * Worker side of function-thread.ts: the instances of every function
 * registered by module (function-instances.ts), called the way the Lambda
 * Node.js runtime calls a handler. Loaded through function-thread.worker.mjs.
 */
import { randomUUID } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import type { Context } from 'aws-lambda';
import { tagRequestsWithInvocation, withInvocationKey } from '../invocation-identity.ts';
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

function contextFor(fn: FunctionInstances, deadline: number): Context {
  const requestId = randomUUID();
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
    const event = JSON.parse(request.eventJson) as unknown;
    const context = contextFor(fn, request.deadline);
    const result = await withInvocationKey(request.invocationKey, () => handler(event, context));
    return result === undefined ? undefined : JSON.stringify(result);
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
      case 'abandon':
        for (const fn of functions.values()) fn.abandon(request.invocationId);
        return { id: request.id, ok: true };
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
