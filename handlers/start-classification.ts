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
  type Ticket,
} from '../src/contracts/ticket-message.ts';
import { isAwsError, withTransientErrors } from '../src/aws/errors.ts';
import { loadAwsClients } from '../src/lambda/load-clients.ts';
import { logger } from '../src/lambda/logger.ts';

const ORIGINAL_BODY_LIMIT = 64 * 1024;

const processor = new BatchProcessor(EventType.SQS);

async function reject(record: SQSRecord, reason: string, receivedAt: string, ticketId?: string): Promise<void> {
  const message: RejectedMessage = {
    schemaVersion: MESSAGE_SCHEMA_VERSION,
    kind: 'rejected',
    reason,
    ...(ticketId && { ticketId }),
    messageId: record.messageId,
    receivedAt,
    rejectedAt: new Date().toISOString(),
    originalBody: record.body.slice(0, ORIGINAL_BODY_LIMIT),
    originalBodyTruncated: record.body.length > ORIGINAL_BODY_LIMIT,
  };
  await withTransientErrors(
    sendJson((await loadAwsClients()).sqs, required('REJECTED_QUEUE_URL'), message, { kind: 'rejected' }),
  );
  logger.warn('ticket rejected', { messageId: record.messageId, ticketId, reason });
}

/** `arn:...:stateMachine:<machine>` + name -> `arn:...:execution:<machine>:<name>`. */
const executionArn = (stateMachineArn: string, name: string) =>
  `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;

async function startOne(record: SQSRecord): Promise<void> {
  const settings = config();
  const sentAt = Number(record.attributes?.SentTimestamp);
  const receivedAt = new Date(Number.isFinite(sentAt) && sentAt > 0 ? sentAt : Date.now()).toISOString();
  let ticket: Ticket;
  try {
    ticket = parseTicketMessage(
      record.body,
      { messageId: record.messageId, receivedAt },
      { maxChars: settings.MAX_TICKET_CHARS, rejectChars: settings.REJECT_TICKET_CHARS },
    );
  } catch (error) {
    if (error instanceof InvalidTicketError) return reject(record, error.message, receivedAt);
    throw error;
  }
  const stateMachineArn = required('CLASSIFY_STATE_MACHINE_ARN', settings);
  const name = executionNameFor(ticket.ticketId);
  const input: ClassificationInput = { ticket, messageId: record.messageId };
  const { sfn } = await loadAwsClients();
  const commands = await import('@aws-sdk/client-sfn');
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
    const same = earlier.ticket?.text === ticket.text;
    return reject(
      record,
      same
        ? `duplicate: ticket ${ticket.ticketId} was already received (message ${earlier.messageId}) and is classified by execution ${name}`
        : `conflict: ticket id ${ticket.ticketId} was already used for a different ticket (execution ${name}); send it with a new ticketId`,
      receivedAt,
      ticket.ticketId,
    );
  }
  logger.debug('classification started', {
    messageId: record.messageId,
    ticketId: ticket.ticketId,
    executionName: name,
  });
}

/**
 * SQS-triggered: validates each message and starts one `classify-ticket`
 * execution per ticket, named after the ticket id. Invalid messages go to the
 * rejected queue with a reason; a message whose start fails transiently is
 * reported as a batch item failure and comes back later (then to the DLQ).
 */
export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
  processPartialResponse(event, startOne, processor, {
    context,
    throwOnFullBatchFailure: false,
    processInParallel: true,
  });
