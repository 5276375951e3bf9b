/**
 * What the Lambda functions' two threads share (function-registry.ts and
 * function-thread.ts on the main thread, function-thread.worker.ts and
 * function-instances.ts in the worker, where the instances of every function
 * registered by module live): the handler type, Lambda's error payload and
 * the messages between the threads. Each side imports this module and neither
 * imports the other, so the pair has no import cycle.
 */
import type { Context } from 'aws-lambda';

/** A Lambda handler as the product writes it (async style). */
export type LambdaHandler<TEvent = unknown, TResult = unknown> = (
  event: TEvent,
  context: Context,
) => Promise<TResult> | TResult;

/** The error payload Lambda returns for a failed invocation. */
export interface LambdaErrorPayload {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly trace: string[];
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

// ---- messages between the main thread and the Lambda functions' worker ----

/** What the worker thread starts with (its `workerData`). */
export interface FunctionThreadData {
  /**
   * The modules every instance shares instead of importing its own copy
   * (file: URLs; one ending in `/` is a folder): modules without module-level
   * state. Packages under node_modules are always shared.
   */
  readonly sharedModules: readonly string[];
}

/** A function registered by module, as its instances need it. */
export interface FunctionSpec {
  readonly functionName: string;
  /** File path or file: URL of the handler module. */
  readonly module: string;
  readonly exportName: string;
  readonly functionArn: string;
  readonly memoryLimitInMB: number;
  /** The most instances at once (Lambda: reserved concurrency). */
  readonly maxInstances: number;
}

/** Register (or replace) a function; no instance is started yet. */
export interface RegisterRequest {
  readonly type: 'register';
  readonly id: number;
  readonly spec: FunctionSpec;
}

/** Start one instance of the function now (its init phase), unless it has one. */
export interface WarmRequest {
  readonly type: 'warm';
  readonly id: number;
  readonly functionName: string;
}

/** One invocation, on an idle instance of the function (or a new one, or the first to come free). */
export interface InvokeRequest {
  readonly type: 'invoke';
  readonly id: number;
  readonly functionName: string;
  readonly eventJson: string;
  /**
   * The function timeout, ms. It runs from the moment an instance takes the
   * invocation (as on Lambda, where waiting for concurrency is not part of it):
   * `context.getRemainingTimeInMillis()` counts down from it, and past it the
   * invocation fails with `Sandbox.Timedout` and its instance is retired.
   */
  readonly timeoutMs: number;
  /** Identity of this invocation that a re-run after a crash shares (see ../invocation-identity.ts). */
  readonly invocationKey?: string;
}

/** How many instances each function has (answered in `stats`). */
export interface StatsRequest {
  readonly type: 'stats';
  readonly id: number;
}

export type FunctionThreadRequest = RegisterRequest | WarmRequest | InvokeRequest | StatsRequest;

export interface InstanceStats {
  /** Instances now (busy or idle). */
  readonly instances: number;
  /** The most instances there have been at once. */
  readonly peak: number;
  /** Instances started so far (cold starts). */
  readonly started: number;
  /** Invocations that waited for an instance to come free (the function was at `maxInstances`). */
  readonly waited: number;
}

export type FunctionThreadReply =
  | {
      readonly id: number;
      readonly ok: true;
      readonly resultJson?: string;
      readonly stats?: Record<string, InstanceStats>;
    }
  | { readonly id: number; readonly ok: false; readonly error: LambdaErrorPayload };
