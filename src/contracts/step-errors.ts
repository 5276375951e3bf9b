import { TriageError } from '../errors.ts';

/**
 * The errors a workflow step throws on purpose. Their names are the contract
 * with the state machines: Step Functions matches `Retry`/`Catch` on the
 * `name` of what a Lambda throws (`TransientError` is retried with backoff by
 * every Task of `workflows/*.asl.json`; anything else goes to the Catch).
 */

/** Worth retrying (a dependency was briefly unavailable). Retried with backoff by the workflow. */
export class TransientError extends TriageError {
  override readonly name = 'TransientError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'Internal', options);
  }
}

/** There is no model in service: nothing can be classified until one is promoted (`triage bootstrap`). */
export class NoModelInServiceError extends TriageError {
  override readonly name = 'NoModelInServiceError';
  constructor(message: string) {
    super(message, 'Internal');
  }
}

/** A step received input it cannot use (a bug upstream, not a transient problem). */
export class InvalidStepInputError extends TriageError {
  override readonly name = 'InvalidStepInputError';
  constructor(message: string) {
    super(message, 'Internal');
  }
}

/** A Lambda error's `Cause` is JSON with errorMessage/errorType/stackTrace; people need the message. */
export function causeMessage(cause: string | undefined): string {
  if (!cause) return 'no details';
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: string };
    if (parsed.errorMessage) return parsed.errorMessage;
  } catch {
    // not JSON: use it as it is
  }
  return cause.split('\n')[0]!.slice(0, 1000);
}
