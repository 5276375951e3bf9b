/**
 * The product's errors: one base class, {@link TriageError}, whose `code`
 * says what kind of failure it is, and the one table, {@link ERROR_CODES},
 * that says what each code means to a caller of the review API (HTTP status)
 * and to the person at the terminal (CLI exit code). The CLI's
 * `describeError` and the API's error handler both read it; nothing else
 * maps errors to statuses or exit codes.
 *
 * An error's `name` is its class name and never changes with this: the
 * workflows' Retry/Catch match Lambda errors by name (`TransientError` in
 * `workflows/*.asl.json`), and logs and the rejected queue carry it.
 *
 * This module imports nothing, so every layer (the pure core included) may
 * extend it.
 */

/** What a code means outside the process: the review API's status, the CLI's exit code. */
export interface ErrorMeaning {
  /** The HTTP status the review API answers with; 500 hides the message (it is logged instead). */
  readonly status: number;
  /** The CLI's exit code. */
  readonly exitCode: number;
  /**
   * The message is written for a person and is all the CLI prints. False for
   * faults of the system itself (a bug, or a dependency that failed): the CLI
   * also prints the error's name and how to see the stack.
   */
  readonly forPeople: boolean;
}

export const ERROR_CODES = {
  /** The request (or command line) is malformed: a parameter, a field, a cursor. */
  BadRequest: { status: 400, exitCode: 1, forPeople: true },
  /** The caller has not signed in (the review API with sign-in: no token's claims). */
  Unauthorized: { status: 401, exitCode: 1, forPeople: true },
  /** The caller is not allowed to do this (the review API: a role they do not have). */
  Forbidden: { status: 403, exitCode: 1, forPeople: true },
  /** What the request names does not exist: a model version, a run, a path. */
  NotFound: { status: 404, exitCode: 1, forPeople: true },
  /** Feedback on a ticket that was never classified. */
  UnknownTicket: { status: 404, exitCode: 1, forPeople: true },
  /** The path exists, the method does not (the API adds `Allow`). */
  MethodNotAllowed: { status: 405, exitCode: 1, forPeople: true },
  /** Someone else changed it meanwhile, or it is already running: try again later. */
  Conflict: { status: 409, exitCode: 1, forPeople: true },
  /** A category the model in service does not know (unless allowed). */
  UnknownCategory: { status: 422, exitCode: 1, forPeople: true },
  /** A verdict that contradicts the ticket (confirming a failed classification, ...). */
  InvalidFeedback: { status: 422, exitCode: 1, forPeople: true },
  /** A model version that cannot be put in service: its artifact does not load, or no retraining judged it. */
  ModelNotServable: { status: 422, exitCode: 1, forPeople: true },
  /** The part of the product this needs is not set up here (a workflow's ARN is not set). */
  NotConfigured: { status: 503, exitCode: 1, forPeople: true },
  /**
   * What a person gave cannot be used: a data file, a model directory, a
   * setting, a ticket message, a command that does not apply. For the CLI a
   * message to act on; behind the API it is the server's data or set-up, not
   * the caller's request (500).
   */
  InvalidInput: { status: 500, exitCode: 1, forPeople: true },
  /** A fault of the system: a dependency that failed (retried by the workflows), a bug, a race lost. */
  Internal: { status: 500, exitCode: 1, forPeople: false },
} as const satisfies Record<string, ErrorMeaning>;

export type ErrorCode = keyof typeof ERROR_CODES;

/**
 * The base class of every error the product throws on purpose. Subclasses
 * set their `name` (the class name) and pass their code.
 */
export class TriageError extends Error {
  override readonly name: string = 'TriageError';
  constructor(
    message: string,
    readonly code: ErrorCode,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }

  /** What this error means to the API and the CLI. */
  get meaning(): ErrorMeaning {
    return ERROR_CODES[this.code];
  }
}
