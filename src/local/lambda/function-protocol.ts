/**
 * The messages between the function registry (main thread) and the Lambda
 * functions' worker thread, where the instances of every function registered
 * by module live (function-instances.ts). Nothing else lives here.
 */

/** The error payload Lambda returns for a failed invocation. */
export interface LambdaErrorPayload {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly trace: string[];
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
  /** Epoch ms when the function times out (`context.getRemainingTimeInMillis`). */
  readonly deadline: number;
}

/** The invocation `invocationId` timed out: its instance is retired, as Lambda resets the environment. */
export interface AbandonRequest {
  readonly type: 'abandon';
  readonly id: number;
  readonly invocationId: number;
}

/** How many instances each function has (answered in `stats`). */
export interface StatsRequest {
  readonly type: 'stats';
  readonly id: number;
}

export type FunctionThreadRequest = RegisterRequest | WarmRequest | InvokeRequest | AbandonRequest | StatsRequest;

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
