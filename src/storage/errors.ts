import { TriageError } from '../errors.ts';

/**
 * The errors of the prediction store, apart from its DynamoDB code: a handler
 * that tells them apart (record-failure) imports them without loading the
 * SDK at its cold start.
 */

/** A list cursor that is not one this store handed out. */
export class InvalidCursorError extends TriageError {
  override readonly name = 'InvalidCursorError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'BadRequest', options);
  }
}

/** Another execution already recorded a different result for this ticket. */
export class TicketConflictError extends TriageError {
  override readonly name = 'TicketConflictError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'Internal', options);
  }
}
