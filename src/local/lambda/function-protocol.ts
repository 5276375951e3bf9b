/**
 * What the Lambda functions' two threads share (function-registry.ts and
 * function-thread.ts on the main thread, function-thread.worker.ts in the
 * worker): the handler type, Lambda's error payload and the messages between
 * the threads. Each side imports this module and neither imports the other,
 * so the pair has no import cycle.
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

export interface InvokeRequest {
  readonly type: 'invoke';
  readonly id: number;
  readonly module: string;
  readonly exportName: string;
  readonly eventJson: string;
  readonly functionName: string;
  readonly functionArn: string;
  readonly memoryLimitInMB: number;
  readonly deadline: number;
  /** Identity of this invocation that a re-run after a crash shares (see ../invocation-identity.ts). */
  readonly invocationKey?: string;
}
export interface LoadRequest {
  readonly type: 'load';
  readonly id: number;
  readonly module: string;
  readonly exportName: string;
}
export type FunctionThreadReply =
  | { readonly id: number; readonly ok: true; readonly resultJson?: string }
  | { readonly id: number; readonly ok: false; readonly error: LambdaErrorPayload };
