import { createHash } from 'node:crypto';
import * as z from '../zod.ts';
import { TriageError } from '../errors.ts';
import { cutText } from './cut-text.ts';

/**
 * The bytes a ticket may take in the classification workflow's state
 * payloads, so that every accepted ticket fits on AWS, where a state's input
 * or output over 256 KiB fails the execution (`States.DataLimitExceeded`).
 *
 * The text is carried as it is, then as its tokens (Preprocess), then as its
 * TF-IDF vector (Vectorize: a float32 value and an index gap per feature,
 * packed in base64: packed-vector.ts), and the Predict state's output holds
 * all of them plus the explanation. Measured worst case for every profile
 * (test/unit/contracts/ticket-budget.test.ts): with the default profile's
 * character n-grams, random long ASCII words, every n-gram a feature of a
 * vocabulary as large as a packed vector can index, take up to 35.3 bytes of
 * payload per byte of text (38 is used; word-only profiles: 9.4). So the
 * text (subject included) is cut to {@link MAX_TICKET_TEXT_BYTES}, the subject
 * (carried once more on its own) to {@link MAX_SUBJECT_BYTES}, and
 * {@link PAYLOAD_RESERVE_BYTES} are kept for everything else (ids, names, the
 * model version, categories, the route and its reason, an error's cause: up
 * to 32 KiB). Bytes are
 * counted as JSON strings in UTF-8, as AWS counts.
 */
export const STATE_PAYLOAD_LIMIT_BYTES = 256 * 1024;
export const WORST_CASE_PAYLOAD_BYTES_PER_TEXT_BYTE = 38;
export const PAYLOAD_RESERVE_BYTES = 40 * 1024;
export const MAX_SUBJECT_BYTES = 2 * 1024;
export const MAX_TICKET_TEXT_BYTES = 5.5 * 1024;

/** Characters a ticket id may not contain: controls, and halves of surrogate pairs (not Unicode text). */
const ID_FORBIDDEN =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what it looks for.
  /[\u0000-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * What producers put on the input queue (JSON, optionally after a UTF-8
 * byte-order mark):
 *
 *   { "ticketId"?: string, "subject"?: string, "body" | "description" | "text"?: string, ...anything else }
 *
 * A subject alone is a ticket; with a body (the first of body/description/text
 * that holds some text) they are classified together. Extra fields are
 * allowed and ignored.
 */
export const ticketMessageSchema = z.looseObject({
  ticketId: z.optional(
    z.string().check(
      z.trim(),
      z.minLength(1, 'must not be empty'),
      z.maxLength(256, 'must be at most 256 characters'),
      z.refine(
        (id: string) => !ID_FORBIDDEN.test(id),
        'must not contain control characters or unpaired surrogates (\\ud800-\\udfff)',
      ),
    ),
  ),
  subject: z.optional(z.string()),
  body: z.optional(z.string()),
  description: z.optional(z.string()),
  text: z.optional(z.string()),
});

/** A message that can never be classified; the reason is written for a person. */
export class InvalidTicketError extends TriageError {
  override readonly name = 'InvalidTicketError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'InvalidInput', options);
  }
}

/** The ticket as the classification workflow receives it. */
export interface Ticket {
  readonly ticketId: string;
  /** The subject (cut to {@link MAX_SUBJECT_BYTES}). */
  readonly subject?: string;
  /** Subject and body, cut to the limits (at a word boundary). */
  readonly text: string;
  /** Subject or text was cut. */
  readonly truncated: boolean;
  /** When the queue received it (stable across redeliveries). */
  readonly receivedAt: string;
}

/** The state machine's input. */
export interface ClassificationInput {
  readonly ticket: Ticket;
  readonly messageId: string;
  /**
   * SHA-256 (hex) of the ticket as sent, before any cut ({@link contentHashOf}):
   * what tells a duplicate (same ticket again) from a conflict (the id reused
   * for another ticket). Absent in executions started before it was added.
   */
  readonly contentSha256?: string;
}

export interface ParseLimits {
  /** Text longer than this many characters is cut (also cut to {@link MAX_TICKET_TEXT_BYTES}). */
  readonly maxChars: number;
  /** Text longer than this is rejected. */
  readonly rejectChars: number;
}

/** A parsed message: the ticket and the hash of its untruncated content. */
export interface ParsedTicket {
  readonly ticket: Ticket;
  readonly contentSha256: string;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const field = issue.path.length > 0 ? `"${issue.path.join('.')}"` : 'the message';
  if (issue.code === 'invalid_type') {
    const expected = issue.expected === 'object' ? 'a JSON object' : `a ${issue.expected}`;
    return `${field} must be ${expected}`;
  }
  return `${field} ${issue.message}`;
}

/** SHA-256 of subject and body as sent (untruncated), unambiguous about where one ends. */
export function contentHashOf(subject: string | undefined, body: string | undefined): string {
  return createHash('sha256')
    .update(JSON.stringify([subject ?? null, body ?? null]))
    .digest('hex');
}

/**
 * Parses one input-queue message body into a {@link Ticket}, or throws
 * {@link InvalidTicketError} saying what to fix.
 */
export function parseTicketMessage(
  body: string,
  meta: { messageId: string; receivedAt: string },
  limits: ParseLimits,
): ParsedTicket {
  let json: unknown;
  try {
    // A UTF-8 byte-order mark arrives as U+FEFF: not part of the JSON.
    json = JSON.parse(body.charCodeAt(0) === 0xfeff ? body.slice(1) : body);
  } catch {
    throw new InvalidTicketError('the message is not JSON; send {"subject": "...", "body": "..."}');
  }
  const parsed = ticketMessageSchema.safeParse(json);
  if (!parsed.success) throw new InvalidTicketError(parsed.error.issues.map(describeIssue).join('; '));
  const message = parsed.data;
  const content = [message.body, message.description, message.text].find((t) => t !== undefined && t.trim() !== '');
  const subject = message.subject?.trim() || undefined;
  if (content === undefined && subject === undefined) {
    throw new InvalidTicketError(
      'the message has no ticket text: put it in "subject", "body", "description" or "text"',
    );
  }
  const fullLength = (subject?.length ?? 0) + (subject && content ? 1 : 0) + (content?.length ?? 0);
  if (fullLength > limits.rejectChars) {
    throw new InvalidTicketError(
      `the ticket text is ${fullLength} characters; the limit is ${limits.rejectChars} (texts over ${Math.min(limits.maxChars, MAX_TICKET_TEXT_BYTES)} characters or ${MAX_TICKET_TEXT_BYTES} bytes are cut, longer ones rejected)`,
    );
  }
  const cutSubject = subject === undefined ? undefined : cutText(subject, { maxJsonBytes: MAX_SUBJECT_BYTES });
  const full = [cutSubject?.text, content].filter((part) => part !== undefined).join('\n');
  const cutFull = cutText(full, { maxChars: limits.maxChars, maxJsonBytes: MAX_TICKET_TEXT_BYTES });
  return {
    ticket: {
      ticketId: message.ticketId ?? meta.messageId,
      ...(cutSubject && { subject: cutSubject.text }),
      text: cutFull.text,
      truncated: (cutSubject?.cut ?? false) || cutFull.cut,
      receivedAt: meta.receivedAt,
    },
    contentSha256: contentHashOf(subject, content),
  };
}

/**
 * Step Functions execution names allow 1-80 characters of [A-Za-z0-9-_].
 * The name is a function of the ticket id alone, so a redelivered message
 * (or the same ticket sent twice) maps to the same execution: Step Functions
 * then refuses a second one, and there is never a second result.
 */
export function executionNameFor(ticketId: string): string {
  const plain = `ticket-${ticketId}`;
  if (/^[A-Za-z0-9_-]{1,80}$/.test(plain)) return plain;
  const safe = ticketId.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 40);
  return `ticket-${safe}-${createHash('sha256').update(ticketId).digest('hex').slice(0, 24)}`;
}
