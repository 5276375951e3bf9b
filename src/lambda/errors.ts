/**
 * Error names are the contract with the state machine: Step Functions matches
 * `Retry`/`Catch` on the `name` of what a Lambda throws.
 */

/** Worth retrying (a dependency was briefly unavailable). Retried with backoff by the workflow. */
export class TransientError extends Error {
  override readonly name = 'TransientError';
}

/** There is no model in service: nothing can be classified until one is promoted (`triage bootstrap`). */
export class NoModelInServiceError extends Error {
  override readonly name = 'NoModelInServiceError';
}

/** A step received input it cannot use (a bug upstream, not a transient problem). */
export class InvalidStepInputError extends Error {
  override readonly name = 'InvalidStepInputError';
}

const TRANSIENT_SDK_ERRORS = new Set([
  'ThrottlingException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'InternalServerError',
  'InternalFailure',
  'ServiceUnavailable',
  'SlowDown',
  'TimeoutError',
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
]);

/** Rethrows AWS SDK / network errors that are worth retrying as {@link TransientError}. */
export function classifyAwsError(error: unknown): never {
  const e = error as { name?: string; code?: string; message?: string; $retryable?: unknown };
  if (TRANSIENT_SDK_ERRORS.has(e.name ?? '') || TRANSIENT_SDK_ERRORS.has(e.code ?? '') || e.$retryable) {
    throw new TransientError(`${e.name ?? e.code}: ${e.message ?? 'temporary failure'}`);
  }
  throw error;
}

/** Awaits an AWS call, turning transient failures into {@link TransientError}. */
export async function aws<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (error) {
    return classifyAwsError(error);
  }
}
