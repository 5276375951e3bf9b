import { TransientError } from '../contracts/step-errors.ts';

/**
 * True when `error` is the AWS error `name` (the service's error code, e.g.
 * `ConditionalCheckFailedException`). By name rather than `instanceof`: the
 * SDK sets `name` to the error code on every service exception, whereas the
 * exception classes are per copy of a client package.
 */
export function isAwsError(error: unknown, name: string): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === name;
}

/**
 * Whether an AWS SDK or network error is worth retrying, by the SDK's own
 * classification (`@smithy/core/retry`, formerly
 * `@smithy/service-error-classification`: what the SDK's standard retry
 * strategy retries): throttling (`ThrottlingException`, 429, ...) or
 * transient (5xx, timeouts, `ECONNRESET`-like network errors, `$retryable`).
 *
 * Imported when an error happens, not at start: `@smithy/core/retry` brings
 * the SDK's retry middleware with it (~90 KiB a cold start would parse), and
 * any code that has an AWS error in hand has loaded an SDK client, and with it
 * that module, already.
 */
export async function isRetryableAwsError(error: unknown): Promise<boolean> {
  if (typeof error !== 'object' || error === null) return false;
  const retry = await import('@smithy/core/retry');
  const e = error as Parameters<typeof retry.isTransientError>[0];
  return retry.isThrottlingError(e) || retry.isTransientError(e);
}

/**
 * Awaits an AWS call in a workflow step and turns a retryable failure into
 * {@link TransientError}, which the workflow's Task `Retry` retries with
 * backoff; any other error is rethrown as it is (and caught by the Task's
 * `Catch`).
 *
 * The two layers of retries are intended. The SDK clients retry each call
 * themselves first (standard mode, 3 attempts, within milliseconds to a
 * second): that absorbs a blip without failing the step. Only an error that
 * outlived those attempts reaches here; Step Functions then retries the whole
 * step after 1-5 s with backoff (`MaxAttempts` 2-3 in the ASL files), which
 * rides out a short outage. The worst case (3 SDK attempts per step attempt)
 * stays inside each Task's `TimeoutSeconds`.
 */
export async function withTransientErrors<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (error) {
    if (!(await isRetryableAwsError(error))) throw error;
    const e = error as { name?: string; code?: string; message?: string };
    throw new TransientError(`${e.name ?? e.code}: ${e.message ?? 'temporary failure'}`, { cause: error });
  }
}
