import { createHash } from 'node:crypto';
import * as z from '../zod.ts';
import { TriageError } from '../errors.ts';

/**
 * What producers put on the input queue (JSON):
 *
 *   { "ticketId"?: string, "subject"?: string, "body" | "description" | "text": string, ...anything else }
 *
 * One of body/description/text must hold some text (the first present wins);
 * `subject`, when given, is classified together with it. Extra fields are
 * allowed and ignored.
 */
export const ticketMessageSchema = z.looseObject({
  ticketId: z.optional(
    z.string().check(z.trim(), z.minLength(1, 'must not be empty'), z.maxLength(256, 'must be at most 256 characters')),
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
  readonly subject?: string;
  /** Subject and body, cut to the configured cap. */
  readonly text: string;
  readonly truncated: boolean;
  /** When the queue received it (stable across redeliveries). */
  readonly receivedAt: string;
}

/** The state machine's input. */
export interface ClassificationInput {
  readonly ticket: Ticket;
  readonly messageId: string;
}

export interface ParseLimits {
  /** Text longer than this is cut. */
  readonly maxChars: number;
  /** Text longer than this is rejected. */
  readonly rejectChars: number;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const field = issue.path.length > 0 ? `"${issue.path.join('.')}"` : 'the message';
  if (issue.code === 'invalid_type') {
    const expected = issue.expected === 'object' ? 'a JSON object' : `a ${issue.expected}`;
    return `${field} must be ${expected}`;
  }
  return `${field} ${issue.message}`;
}

/**
 * Parses one input-queue message body into a {@link Ticket}, or throws
 * {@link InvalidTicketError} saying what to fix.
 */
export function parseTicketMessage(
  body: string,
  meta: { messageId: string; receivedAt: string },
  limits: ParseLimits,
): Ticket {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new InvalidTicketError('the message is not JSON; send {"subject": "...", "body": "..."}');
  }
  const parsed = ticketMessageSchema.safeParse(json);
  if (!parsed.success) throw new InvalidTicketError(parsed.error.issues.map(describeIssue).join('; '));
  const message = parsed.data;
  const content = [message.body, message.description, message.text].find((t) => t !== undefined && t.trim() !== '');
  if (content === undefined) {
    throw new InvalidTicketError('the message has no ticket text: put it in "body", "description" or "text"');
  }
  const subject = message.subject?.trim() || undefined;
  const full = subject ? `${subject}\n${content}` : content;
  if (full.length > limits.rejectChars) {
    throw new InvalidTicketError(
      `the ticket text is ${full.length} characters; the limit is ${limits.rejectChars} (texts over ${limits.maxChars} are cut, longer ones rejected)`,
    );
  }
  const truncated = full.length > limits.maxChars;
  return {
    ticketId: message.ticketId ?? meta.messageId,
    ...(subject && { subject }),
    text: truncated ? full.slice(0, limits.maxChars) : full,
    truncated,
    receivedAt: meta.receivedAt,
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
