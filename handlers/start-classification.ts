import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { sendJson } from '../src/aws/queues.ts';
import { config, required } from '../src/config.ts';
import { MESSAGE_SCHEMA_VERSION, type RejectedMessage } from '../src/contracts/messages.ts';
import {
  executionNameFor,
  InvalidTicketError,
  parseTicketMessage,
  type ClassificationInput,
  type ParsedTicket,
} from '../src/contracts/ticket-message.ts';
import { isAwsError, withTransientErrors } from '../src/aws/errors.ts';
import { loadAwsClients } from '../src/lambda/load-clients.ts';
import { loadLogger } from '../src/lambda/load-logger.ts';
import { cutText } from '../src/contracts/cut-text.ts';
import { loadOnce } from '../src/load-once.ts';

/** Powertools idempotency (and the SDK clients it uses), imported on the EXPRESS path only. */
const oncePerTicket = loadOnce(() => import('../src/lambda/once-per-ticket.ts'));

/** The Step Functions commands, imported with the first ticket that starts an execution. */
const sfnCommands = loadOnce(() => import('@aws-sdk/client-sfn'));

/** The original body kept in a rejection (as JSON in UTF-8), so the record always fits in an SQS message. */
const ORIGINAL_BODY_LIMIT_BYTES = 64 * 1024;

const processor = new BatchProcessor(EventType.SQS);

async function reject(record: SQSRecord, reason: string, receivedAt: string, ticketId?: string): Promise<void> {
  const original = cutText(record.body, { maxJsonBytes: ORIGINAL_BODY_LIMIT_BYTES });
  const message: RejectedMessage = {
    schemaVersion: MESSAGE_SCHEMA_VERSION,
    kind: 'rejected',
    reason,
    ...(ticketId && { ticketId }),
    messageId: record.messageId,
    receivedAt,
    rejectedAt: new Date().toISOString(),
    originalBody: original.text,
    originalBodyTruncated: original.cut,
  };
  await withTransientErrors(
    sendJson((await loadAwsClients()).sqs, required('REJECTED_QUEUE_URL'), message, { kind: 'rejected' }),
  );
  (await loadLogger()).warn('ticket rejected', { messageId: record.messageId, ticketId, reason });
}

/** `arn:...:stateMachine:<machine>` + name -> `arn:...:execution:<machine>:<name>`. */
const executionArn = (stateMachineArn: string, name: string) =>
  `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;

/** Same ticket again, or the id reused for another one: by the hash of the untruncated content when both have it. */
function sameTicket(earlier: Partial<ClassificationInput>, now: ClassificationInput): boolean {
  if (earlier.contentSha256 !== undefined) return earlier.contentSha256 === now.contentSha256;
  return earlier.ticket?.text === now.ticket.text && earlier.ticket?.subject === now.ticket.subject;
}

/** What became of the earlier execution, for the duplicate's reason. */
function whatHappened(name: string, status: string | undefined, error: string | undefined): string {
  switch (status) {
    case 'RUNNING':
      return `is being classified by execution ${name}`;
    case 'SUCCEEDED':
      return `was classified by execution ${name} (its result is on the output queue)`;
    default:
      return `its classification, execution ${name}, ended ${status ?? 'UNKNOWN'}${error ? ` (${error})` : ''}: its failure is recorded on the rejected queue; to classify it again, send it with a new ticketId`;
  }
}

/**
 * EXPRESS: no execution-name de-duplication, so the ticket is claimed first
 * (once-per-ticket.ts). The message holding the claim starts an execution,
 * again when it is redelivered (the first outcome is the only one to get out);
 * any other message of the ticket is a duplicate or a conflict.
 */
async function startExpress(
  record: SQSRecord,
  input: ClassificationInput,
  name: string,
  context: Context,
  receivedAt: string,
): Promise<void> {
  const { ticket } = input;
  // Powertools idempotency (and the SDK clients it uses) load only on the EXPRESS path.
  const { claimTicket } = await oncePerTicket();
  const claim = await withTransientErrors(
    claimTicket(
      { ticketId: ticket.ticketId, messageId: record.messageId, contentSha256: input.contentSha256 ?? '' },
      context,
    ),
  );
  if (claim.status === 'duplicate')
    return reject(
      record,
      `duplicate: ticket ${ticket.ticketId} was already received (message ${claim.messageId}) and is classified by executions named ${name}: its outcome is on the output queue or, if it failed, on the rejected queue`,
      receivedAt,
      ticket.ticketId,
    );
  if (claim.status === 'conflict')
    return reject(
      record,
      `conflict: ticket id ${ticket.ticketId} was already used for a different ticket (executions named ${name}); send it with a new ticketId`,
      receivedAt,
      ticket.ticketId,
    );
  const { sfn } = await loadAwsClients();
  const commands = await sfnCommands();
  await withTransientErrors(
    sfn.send(
      new commands.StartExecutionCommand({
        stateMachineArn: required('CLASSIFY_STATE_MACHINE_ARN'),
        name,
        input: JSON.stringify(input),
      }),
    ),
  );
}

/** Without a Lambda context (a direct call in a test): 30 s, the function's timeout. */
const NO_CONTEXT = { getRemainingTimeInMillis: () => 30_000 } as Context;

async function startOne(record: SQSRecord, context?: Context): Promise<void> {
  const settings = config();
  const sentAt = Number(record.attributes?.SentTimestamp);
  const receivedAt = new Date(Number.isFinite(sentAt) && sentAt > 0 ? sentAt : Date.now()).toISOString();
  let parsed: ParsedTicket;
  try {
    parsed = parseTicketMessage(
      record.body,
      { messageId: record.messageId, receivedAt },
      { maxChars: settings.MAX_TICKET_CHARS, rejectChars: settings.REJECT_TICKET_CHARS },
    );
  } catch (error) {
    if (error instanceof InvalidTicketError) return reject(record, error.message, receivedAt);
    throw error;
  }
  const { ticket, contentSha256 } = parsed;
  const stateMachineArn = required('CLASSIFY_STATE_MACHINE_ARN', settings);
  const name = executionNameFor(ticket.ticketId);
  const input: ClassificationInput = { ticket, messageId: record.messageId, contentSha256 };
  if (settings.CLASSIFY_WORKFLOW_TYPE === 'EXPRESS')
    return startExpress(record, input, name, context ?? NO_CONTEXT, receivedAt);
  const { sfn } = await loadAwsClients();
  const commands = await sfnCommands();
  try {
    await sfn.send(new commands.StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }));
  } catch (error) {
    if (!isAwsError(error, 'ExecutionAlreadyExists')) return withTransientErrors(Promise.reject(error));
    // Either this very message came back (SQS redelivery after its execution finished): nothing to do;
    // or another message carried the same ticket id: record it as a duplicate, never classify twice.
    const existing = await withTransientErrors(
      sfn.send(new commands.DescribeExecutionCommand({ executionArn: executionArn(stateMachineArn, name) })),
    );
    const earlier = JSON.parse(existing.input ?? '{}') as Partial<ClassificationInput>;
    if (earlier.messageId === record.messageId) return;
    return reject(
      record,
      sameTicket(earlier, input)
        ? `duplicate: ticket ${ticket.ticketId} was already received (message ${earlier.messageId}) and ${whatHappened(name, existing.status, existing.error)}`
        : `conflict: ticket id ${ticket.ticketId} was already used for a different ticket (execution ${name}); send it with a new ticketId`,
      receivedAt,
      ticket.ticketId,
    );
  }
  (await loadLogger()).debug('classification started', {
    messageId: record.messageId,
    ticketId: ticket.ticketId,
    executionName: name,
  });
}

/** A message that could not be started is retried (then dead-lettered): say why, by id (never its text). */
async function startLogged(record: SQSRecord, context?: Context): Promise<void> {
  try {
    await startOne(record, context);
  } catch (error) {
    (await loadLogger()).warn(
      'classification not started; the message will be retried (dead-lettered after maxReceiveCount)',
      {
        messageId: record.messageId,
        receiveCount: record.attributes?.ApproximateReceiveCount,
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      },
    );
    throw error;
  }
}

/**
 * SQS-triggered: validates each message and starts one `classify-ticket`
 * execution per ticket, named after the ticket id. Invalid messages go to the
 * rejected queue with a reason; a message whose start fails transiently is
 * reported as a batch item failure and comes back later (then to the DLQ).
 */
export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
  processPartialResponse(event, startLogged, processor, {
    context,
    throwOnFullBatchFailure: false,
    processInParallel: true,
  });
