/**
 * In-process Lambda functions, registered by name and invoked the way the
 * Lambda service invokes a Node.js handler: `handler(event, context)` with a
 * JSON copy of the payload, a Lambda `Context`, and a JSON copy of the result.
 *
 * A thrown error becomes a `LambdaFunctionError` whose `name` is the error's
 * `name` (Lambda's `errorType`), so Step Functions Retry/Catch match it as on
 * AWS (`Lambda.ServiceException`, custom names, ...), and whose `message` is
 * the JSON `{ errorType, errorMessage, trace }` that AWS puts in `Cause`.
 */
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

/** A Lambda handler as the product writes it (async style). */
export type LambdaHandler<TEvent = unknown, TResult = unknown> = (
  event: TEvent,
  context: Context,
) => Promise<TResult> | TResult;

export interface FunctionOptions {
  /** The function timeout, as on Lambda (default 900 s, the Lambda maximum). */
  readonly timeoutSeconds?: number;
  readonly memoryLimitInMB?: number;
}

/** The error payload Lambda returns for a failed invocation. */
export interface LambdaErrorPayload {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly trace: string[];
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

interface RegisteredFunction {
  readonly name: string;
  readonly handler: LambdaHandler<never>;
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

/** Turns anything thrown by a handler into Lambda's error payload. */
export function toLambdaErrorPayload(thrown: unknown): LambdaErrorPayload {
  if (thrown instanceof Error) {
    return {
      errorType: thrown.name || 'Error',
      errorMessage: thrown.message,
      trace: (thrown.stack ?? '').split('\n').filter((line) => line.length > 0),
    };
  }
  return { errorType: 'Error', errorMessage: String(thrown), trace: [] };
}

export class FunctionRegistry {
  private readonly functions = new Map<string, RegisteredFunction>();

  constructor(
    readonly region: string,
    readonly accountId: string,
  ) {}

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
  async invokeJson(nameOrArn: string, eventJson: string): Promise<{ result: unknown; resultJson: string }> {
    const fn = this.functions.get(functionNameOf(nameOrArn));
    if (!fn) {
      throw new LambdaFunctionError({
        errorType: 'Lambda.ResourceNotFoundException',
        errorMessage: `Function not found: ${this.functionArn(functionNameOf(nameOrArn))}`,
        trace: [],
      });
    }
    const deadline = Date.now() + fn.timeoutSeconds * 1000;
    const context = this.contextFor(fn, deadline);
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
      const payload = JSON.parse(eventJson) as never;
      const result = await Promise.race([Promise.resolve().then(() => fn.handler(payload, context)), timedOut]);
      const resultJson = result === undefined ? 'null' : JSON.stringify(result);
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
