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

/**
 * The CLI's exit codes, one per kind of outcome, so a script can tell "fix what
 * you gave" from "try again later" from "a fault of the system"
 * (docs/cli.md lists them).
 */
export const EXIT_CODES = {
  /** Done. */
  ok: 0,
  /** The command ran, and what it reports is a failure: a ticket not classified, rows refused, a run that failed. */
  failed: 1,
  /** Bad input: the command line, an option's value, a data file, a name that does not exist. Fix it and run again. */
  badInput: 2,
  /** Not possible here or now: no local stack running, a workflow not configured, a conflict, not allowed. */
  unavailable: 3,
  /** A fault of the system (a bug, or a dependency that failed): the message says how to see the details. */
  internal: 4,
} as const;

/** What a code means outside the process: the review API's status, the CLI's exit code. */
export interface ErrorMeaning {
  /** The HTTP status the review API answers with; 500 hides the message (it is logged instead). */
  readonly status: number;
  /** The CLI's exit code (one of {@link EXIT_CODES}). */
  readonly exitCode: number;
  /**
   * The message is written for a person and is all the CLI prints. False for
   * faults of the system itself (a bug, or a dependency that failed): the CLI
   * also prints the error's name and how to see the stack.
   */
  readonly forPeople: boolean;
}

const { failed, badInput, unavailable, internal } = EXIT_CODES;

export const ERROR_CODES = {
  /** The request (or command line) is malformed: a parameter, a field, a cursor. */
  BadRequest: { status: 400, exitCode: badInput, forPeople: true },
  /** The caller has not signed in (the review API with sign-in: no token's claims). */
  Unauthorized: { status: 401, exitCode: unavailable, forPeople: true },
  /** The caller is not allowed to do this (a role they do not have, a cross-site request, a foreign Host). */
  Forbidden: { status: 403, exitCode: unavailable, forPeople: true },
  /** What the request names does not exist: a model version, a run, a path. */
  NotFound: { status: 404, exitCode: badInput, forPeople: true },
  /** Feedback on a ticket that was never classified. */
  UnknownTicket: { status: 404, exitCode: badInput, forPeople: true },
  /** The path exists, the method does not (the API adds `Allow`). */
  MethodNotAllowed: { status: 405, exitCode: badInput, forPeople: true },
  /** Someone else changed it meanwhile, or it is already running: try again later. */
  Conflict: { status: 409, exitCode: unavailable, forPeople: true },
  /** The request body is larger than the API takes. */
  PayloadTooLarge: { status: 413, exitCode: badInput, forPeople: true },
  /** A request body that is not JSON (`content-type: application/json`). */
  UnsupportedMediaType: { status: 415, exitCode: badInput, forPeople: true },
  /** A category the model in service does not know (unless allowed). */
  UnknownCategory: { status: 422, exitCode: badInput, forPeople: true },
  /** A verdict that contradicts the ticket (confirming a failed classification, ...). */
  InvalidFeedback: { status: 422, exitCode: badInput, forPeople: true },
  /** A model version that cannot be put in service: its artifact does not load, or no retraining judged it. */
  ModelNotServable: { status: 422, exitCode: badInput, forPeople: true },
  /**
   * The part of the product this needs is not set up or not running here (a
   * workflow's ARN is not set, no local stack, a port in use).
   */
  NotConfigured: { status: 503, exitCode: unavailable, forPeople: true },
  /**
   * What a person gave cannot be used: a data file, a model directory, a
   * setting, a ticket message, a command that does not apply. For the CLI a
   * message to act on; behind the API it is the server's data or set-up, not
   * the caller's request (500).
   */
  InvalidInput: { status: 500, exitCode: badInput, forPeople: true },
  /**
   * The command did its work and the outcome is a failure (a retraining run
   * that failed, a ticket that was rejected). CLI only: the API answers with
   * the outcome instead.
   */
  Failed: { status: 500, exitCode: failed, forPeople: true },
  /** A fault of the system: a dependency that failed (retried by the workflows), a bug, a race lost. */
  Internal: { status: 500, exitCode: internal, forPeople: false },
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
