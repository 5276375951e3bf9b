/**
 * Local Lambda functions, registered by name and invoked the way the Lambda
 * service invokes a Node.js handler: `handler(event, context)` with a JSON
 * copy of the payload, a Lambda `Context`, and a JSON copy of the result.
 * A function is either a handler object, called on this thread (`register`;
 * invocations run concurrently, sharing the object: for tests and tools), or
 * a handler module (`registerModule`): instances created on demand in the
 * Lambda functions' worker thread, each with its own copy of the module graph,
 * each serving one invocation at a time, as Lambda execution environments do
 * (function-instances.ts).
 *
 * A thrown error becomes a `LambdaFunctionError` whose `name` is the error's
 * `name` (Lambda's `errorType`), so Step Functions Retry/Catch match it as on
 * AWS (`Lambda.ServiceException`, custom names, ...), and whose `message` is
 * the JSON `{ errorType, errorMessage, trace }` that AWS puts in `Cause`.
 */
import { existsSync } from 'node:fs';
import type { EventLoopUtilization } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { requestIdFor, tagRequestsWithInvocation, withInvocationKey } from '../invocation-identity.ts';
import {
  toLambdaErrorPayload,
  type InstanceStats,
  type LambdaErrorPayload,
  type LambdaHandler,
} from './function-protocol.ts';
import { FunctionThread } from './function-thread.ts';

export { toLambdaErrorPayload, type LambdaErrorPayload, type LambdaHandler } from './function-protocol.ts';

export interface FunctionOptions {
  /** The function timeout, as on Lambda (default 900 s, the Lambda maximum). */
  readonly timeoutSeconds?: number;
  readonly memoryLimitInMB?: number;
}

/** A failed invocation; `name` is the Lambda `errorType`, `message` the AWS `Cause` JSON. */
export class LambdaFunctionError extends Error {
  readonly payload: LambdaErrorPayload;
  constructor(payload: LambdaErrorPayload) {
    super(JSON.stringify(payload));
    this.name = payload.errorType;
    this.payload = payload;
  }
}

export interface FunctionModuleOptions extends FunctionOptions {
  /** The handler's export. Default `handler`. */
  readonly exportName?: string;
  /** The most instances at once (Lambda: reserved concurrency). Default: the registry's `maxInstances`. */
  readonly maxInstances?: number;
}

export interface FunctionRegistryOptions {
  /** Default most instances per module function (default 64). */
  readonly maxInstances?: number;
  /**
   * Modules that every instance of every module function shares instead of
   * importing its own copy: file paths or file: URLs, a folder's ending in
   * `/`. Only modules without module-level state belong here (definitions,
   * immutable data), and whatever they import must be shared too. Packages
   * under node_modules are always shared; everything else is per instance.
   */
  readonly sharedModules?: readonly string[];
}

/** A path or file: URL as a file: URL, a folder's (ending in `/`) keeping its slash. */
const toFileUrl = (pathOrUrl: string): string => {
  if (pathOrUrl.startsWith('file:')) return pathOrUrl;
  const url = pathToFileURL(pathOrUrl).href;
  return pathOrUrl.endsWith('/') && !url.endsWith('/') ? `${url}/` : url;
};

interface RegisteredFunction {
  readonly name: string;
  readonly handler?: LambdaHandler<never>;
  /** Set for functions registered by module (their instances run in the Lambda functions' thread). */
  readonly module?: string;
  readonly timeoutSeconds: number;
  readonly memoryLimitInMB: number;
}

export const DEFAULT_FUNCTION_TIMEOUT_SECONDS = 900;
/** Most instances of a module function at once, unless registered with another limit. */
export const DEFAULT_MAX_INSTANCES = 64;

/** `my-fn`, `my-fn:alias`, `123:function:my-fn`, `arn:aws:lambda:r:a:function:my-fn[:qualifier]` -> `my-fn`. */
export function functionNameOf(nameOrArn: string): string {
  const marker = ':function:';
  const at = nameOrArn.indexOf(marker);
  const rest = at >= 0 ? nameOrArn.slice(at + marker.length) : nameOrArn;
  const colon = rest.indexOf(':');
  return colon >= 0 ? rest.slice(0, colon) : rest;
}

export class FunctionRegistry {
  private readonly functions = new Map<string, RegisteredFunction>();
  private thread: FunctionThread | undefined;

  constructor(
    readonly region: string,
    readonly accountId: string,
    private readonly options: FunctionRegistryOptions = {},
  ) {
    // Handlers registered as objects run on this thread; their requests carry the invocation identity too.
    tagRequestsWithInvocation();
  }

  /** Registers (or replaces) the handler of function `name`. */
  register(name: string, handler: LambdaHandler<never>, options: FunctionOptions = {}): void {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) throw new Error(`invalid Lambda function name: ${name}`);
    this.functions.set(name, {
      name,
      handler,
      timeoutSeconds: options.timeoutSeconds ?? DEFAULT_FUNCTION_TIMEOUT_SECONDS,
      memoryLimitInMB: options.memoryLimitInMB ?? 1024,
    });
  }

  /**
   * Registers (or replaces) function `name` as a handler module (a file path
   * or file: URL). Its instances are started on demand (the first invocation
   * is a cold start; `warm` starts one ahead); an import error or a missing
   * export fails the invocation as on Lambda (`Runtime.ImportModuleError`,
   * `Runtime.HandlerNotFound`). Rejects at once if the file does not exist.
   */
  async registerModule(name: string, modulePath: string, options: FunctionModuleOptions = {}): Promise<void> {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) throw new Error(`invalid Lambda function name: ${name}`);
    const file = modulePath.startsWith('file:') ? fileURLToPath(modulePath) : modulePath;
    if (!existsSync(file)) throw new Error(`function ${name}: no such module ${modulePath}`);
    const memoryLimitInMB = options.memoryLimitInMB ?? 1024;
    this.thread ??= new FunctionThread({ sharedModules: (this.options.sharedModules ?? []).map(toFileUrl) });
    await this.thread.register({
      functionName: name,
      module: modulePath,
      exportName: options.exportName ?? 'handler',
      functionArn: this.functionArn(name),
      memoryLimitInMB,
      maxInstances: options.maxInstances ?? this.options.maxInstances ?? DEFAULT_MAX_INSTANCES,
    });
    this.functions.set(name, {
      name,
      module: modulePath,
      timeoutSeconds: options.timeoutSeconds ?? DEFAULT_FUNCTION_TIMEOUT_SECONDS,
      memoryLimitInMB,
    });
  }

  /** Starts one instance of each named module function (all by default) ahead of the first invocation. */
  async warm(names: readonly string[] = this.names()): Promise<void> {
    const thread = this.thread;
    if (!thread) return;
    await Promise.all(names.filter((n) => this.functions.get(n)?.module).map((n) => thread.warm(n)));
  }

  /** Instances per module function: now, peak, cold starts, invocations that waited for one. */
  async instanceStats(): Promise<Record<string, InstanceStats>> {
    return (await this.thread?.stats()) ?? {};
  }

  /**
   * How busy the Lambda functions' thread has been since it started (undefined
   * before the first function registered by module); the difference of two
   * readings is `performance.eventLoopUtilization(later, earlier)`.
   */
  eventLoopUtilization(): EventLoopUtilization | undefined {
    return this.thread?.eventLoopUtilization();
  }

  /** Stops the Lambda functions' thread (every instance). */
  async close(): Promise<void> {
    await this.thread?.close();
    this.thread = undefined;
  }

  has(nameOrArn: string): boolean {
    return this.functions.has(functionNameOf(nameOrArn));
  }

  names(): string[] {
    return [...this.functions.keys()];
  }

  functionArn(name: string): string {
    return `arn:aws:lambda:${this.region}:${this.accountId}:function:${name}`;
  }

  /**
   * Invokes a function synchronously (RequestResponse). Resolves with a JSON
   * copy of the result (`null` for `undefined`); rejects with a
   * `LambdaFunctionError` (`Lambda.ResourceNotFoundException` for an unknown
   * function, `Sandbox.Timedout` past the function timeout).
   */
  async invoke(nameOrArn: string, event: unknown): Promise<unknown> {
    return (await this.invokeJson(nameOrArn, event === undefined ? 'null' : JSON.stringify(event))).result;
  }

  /**
   * `invoke` for a caller that has the event as JSON already (the function
   * gets it parsed: its own copy); resolves with the result's JSON as well as
   * the parsed copy, so the caller need not serialise it again.
   */
  async invokeJson(
    nameOrArn: string,
    eventJson: string,
    options: { invocationKey?: string } = {},
  ): Promise<{ result: unknown; resultJson: string }> {
    const fn = this.functions.get(functionNameOf(nameOrArn));
    if (!fn) {
      throw new LambdaFunctionError({
        errorType: 'Lambda.ResourceNotFoundException',
        errorMessage: `Function not found: ${this.functionArn(functionNameOf(nameOrArn))}`,
        trace: [],
      });
    }
    const timeoutMs = fn.timeoutSeconds * 1000;
    try {
      let resultJson: string;
      if (fn.module) {
        const thread = this.thread;
        if (!thread)
          throw new LambdaFunctionError({
            errorType: 'Lambda.ServiceException',
            errorMessage: 'the local Lambda functions are stopped',
            trace: [],
          });
        // The instance that takes the invocation times it (from then on, as on Lambda) and fails it with Sandbox.Timedout.
        const call = thread.invoke(fn.name, eventJson, timeoutMs, options.invocationKey);
        resultJson =
          (await call.result.catch((payload: LambdaErrorPayload) =>
            Promise.reject(new LambdaFunctionError(payload)),
          )) ?? 'null';
      } else {
        const deadline = Date.now() + timeoutMs;
        let timer: NodeJS.Timeout | undefined;
        const timedOut = new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            reject(
              new LambdaFunctionError({
                errorType: 'Sandbox.Timedout',
                errorMessage: `Task timed out after ${fn.timeoutSeconds.toFixed(2)} seconds`,
                trace: [],
              }),
            );
          }, timeoutMs);
        });
        const handler = fn.handler as LambdaHandler<never>;
        const context = this.contextFor(fn, deadline, options.invocationKey);
        const payload = JSON.parse(eventJson) as never;
        try {
          const result = await Promise.race([
            withInvocationKey(options.invocationKey, () => handler(payload, context)),
            timedOut,
          ]);
          resultJson = result === undefined ? 'null' : JSON.stringify(result);
        } finally {
          clearTimeout(timer);
        }
      }
      return { result: JSON.parse(resultJson), resultJson };
    } catch (err) {
      if (err instanceof LambdaFunctionError) throw err;
      throw new LambdaFunctionError(toLambdaErrorPayload(err));
    }
  }

  private contextFor(fn: RegisteredFunction, deadline: number, invocationKey: string | undefined): Context {
    const requestId = requestIdFor(invocationKey);
    const unsupported = (): never => {
      throw new Error('context.done/fail/succeed are not supported: return or throw from an async handler');
    };
    return {
      callbackWaitsForEmptyEventLoop: true,
      functionName: fn.name,
      functionVersion: '$LATEST',
      invokedFunctionArn: this.functionArn(fn.name),
      memoryLimitInMB: String(fn.memoryLimitInMB),
      awsRequestId: requestId,
      logGroupName: `/aws/lambda/${fn.name}`,
      logStreamName: `local/[$LATEST]${requestId.replaceAll('-', '')}`,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      done: unsupported,
      fail: unsupported,
      succeed: unsupported,
    };
  }
}
