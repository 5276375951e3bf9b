/**
 * Lambda's error shapes: a failed invocation's payload (`{ errorType,
 * errorMessage, trace }`, what AWS puts in a Task's `Cause`) and the error the
 * registry throws for it, whose `name` is the `errorType` that Step Functions
 * Retry/Catch match.
 */
import type { LambdaErrorPayload } from './function-protocol.ts';

export type { LambdaErrorPayload } from './function-protocol.ts';

/** A failed invocation; `name` is the Lambda `errorType`, `message` the AWS `Cause` JSON. */
export class LambdaFunctionError extends Error {
  readonly payload: LambdaErrorPayload;
  constructor(payload: LambdaErrorPayload) {
    super(JSON.stringify(payload));
    this.name = payload.errorType;
    this.payload = payload;
  }
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
