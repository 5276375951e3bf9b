/**
 * Local Lambda functions, registered by name and invoked the way the Lambda
 * service invokes a Node.js handler: `handler(event, context)` with a JSON
 * copy of the payload, a Lambda `Context`, and a JSON copy of the result.
 * A function is either a handler object, called on this thread (`register`),
 * or a handler module, imported and called in the Lambda functions' worker
 * thread (`registerModule`, see function-thread.ts).
 *
 * A thrown error becomes a `LambdaFunctionError` whose `name` is the error's
 * `name` (Lambda's `errorType`), so Step Functions Retry/Catch match it as on
 * AWS (`Lambda.ServiceException`, custom names, ...), and whose `message` is
 * the JSON `{ errorType, errorMessage, trace }` that AWS puts in `Cause`.
 */
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { tagRequestsWithInvocation, withInvocationKey } from '../invocation-identity.ts';
import { toLambdaErrorPayload, type LambdaErrorPayload, type LambdaHandler } from './function-protocol.ts';
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
}

interface RegisteredFunction {
  readonly name: string;
  readonly handler?: LambdaHandler<never>;
  /** Set for functions that run in the Lambda functions' worker thread. */
  readonly module?: { readonly path: string; readonly exportName: string };
  readonly timeoutSeconds: number;
  readonly memoryLimitInMB: number;
}

export const DEFAULT_FUNCTION_TIMEOUT_SECONDS = 900;

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
  ) {
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
   * or file: URL) that runs in the Lambda functions' worker thread. Resolves
   * once the thread has imported it; rejects if it does not export a function.
   */
  async registerModule(name: string, modulePath: string, options: FunctionModuleOptions = {}): Promise<void> {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) throw new Error(`invalid Lambda function name: ${name}`);
    const exportName = options.exportName ?? 'handler';
    this.thread ??= new FunctionThread();
    try {
      await this.thread.load(modulePath, exportName);
    } catch (err) {
      throw new Error(`function ${name}: ${(err as LambdaErrorPayload).errorMessage ?? String(err)}`);
    }
    this.functions.set(name, {
      name,
      module: { path: modulePath, exportName },
      timeoutSeconds: options.timeoutSeconds ?? DEFAULT_FUNCTION_TIMEOUT_SECONDS,
      memoryLimitInMB: options.memoryLimitInMB ?? 1024,
    });
  }

  /** Stops the Lambda functions' worker thread (if any). */
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
    const deadline = Date.now() + fn.timeoutSeconds * 1000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new LambdaFunctionError({
              errorType: 'Sandbox.Timedout',
              errorMessage: `Task timed out after ${fn.timeoutSeconds.toFixed(2)} seconds`,
              trace: [],
            }),
          ),
        fn.timeoutSeconds * 1000,
      );
    });
    try {
      let resultJson: string;
      if (fn.module) {
        const { path, exportName } = fn.module;
        const thread = this.thread;
        if (!thread)
          throw new LambdaFunctionError({
            errorType: 'Lambda.ServiceException',
            errorMessage: 'the local Lambda functions are stopped',
            trace: [],
          });
        const call = thread.invoke({
          module: path,
          exportName,
          eventJson,
          functionName: fn.name,
          functionArn: this.functionArn(fn.name),
          memoryLimitInMB: fn.memoryLimitInMB,
          deadline,
          ...(options.invocationKey !== undefined && { invocationKey: options.invocationKey }),
        });
        resultJson =
          (await Promise.race([
            call.catch((payload: LambdaErrorPayload) => Promise.reject(new LambdaFunctionError(payload))),
            timedOut,
          ])) ?? 'null';
      } else {
        const handler = fn.handler as LambdaHandler<never>;
        const context = this.contextFor(fn, deadline);
        const payload = JSON.parse(eventJson) as never;
        const result = await Promise.race([
          withInvocationKey(options.invocationKey, () => handler(payload, context)),
          timedOut,
        ]);
        resultJson = result === undefined ? 'null' : JSON.stringify(result);
      }
      return { result: JSON.parse(resultJson), resultJson };
    } catch (err) {
      if (err instanceof LambdaFunctionError) throw err;
      throw new LambdaFunctionError(toLambdaErrorPayload(err));
    } finally {
      clearTimeout(timer);
    }
  }

  private contextFor(fn: RegisteredFunction, deadline: number): Context {
    const requestId = randomUUID();
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
