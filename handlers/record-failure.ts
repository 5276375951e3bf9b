import type { Context } from 'aws-lambda';
import { sendJson } from '../src/aws/queues.ts';
import { config, required } from '../src/config.ts';
import { MESSAGE_SCHEMA_VERSION, type ClassifiedMessage, type FailedMessage } from '../src/contracts/messages.ts';
import { causeMessage } from '../src/contracts/step-errors.ts';
import { parseStepInput, recordFailureInput } from '../src/contracts/steps.ts';
import { loadAwsClients } from '../src/lambda/load-clients.ts';
import { loadHandlerContext } from '../src/lambda/load-context.ts';
import { TicketConflictError } from '../src/storage/errors.ts';
import { withTransientErrors } from '../src/aws/errors.ts';
import { loadLogger } from '../src/lambda/load-logger.ts';
import { loadOnce } from '../src/load-once.ts';

/** Powertools idempotency (and the SDK clients it uses), imported on the EXPRESS path only. */
const oncePerTicket = loadOnce(() => import('../src/lambda/once-per-ticket.ts'));

/**
 * The failure path of `classify-ticket`: records why the ticket could not be
 * classified (predictions table + the rejected queue), after which the state
 * machine fails the execution. Nothing goes to the output queue.
 * EXPRESS: only the ticket's first outcome gets out (once-per-ticket.ts): when
 * another run already classified or failed the ticket, nothing is sent and the
 * cause says so.
 */
export const handler = async (event: unknown, context: Context): Promise<FailedMessage> => {
  const input = parseStepInput(recordFailureInput, event, 'RecordFailure');
  if (config().CLASSIFY_WORKFLOW_TYPE !== 'EXPRESS') return recordFailure(input);
  // Powertools idempotency (and the SDK clients it uses) load only on the EXPRESS path.
  const { firstOutcome } = await oncePerTicket();
  const first = (await firstOutcome(input.ticket.ticketId, context, () => recordFailure(input))) as
    | ClassifiedMessage
    | FailedMessage;
  if (first.kind === 'failed') return first;
  return {
    schemaVersion: MESSAGE_SCHEMA_VERSION,
    kind: 'failed',
    ticketId: input.ticket.ticketId,
    executionName: input.executionName,
    error: input.error.Error,
    cause: `${causeMessage(input.error.Cause)} (not recorded: another run of ${first.executionName} classified the ticket already)`,
    failedAt: new Date().toISOString(),
  };
};

async function recordFailure(input: ReturnType<typeof recordFailureInput.parse>): Promise<FailedMessage> {
  const { ticket, executionName, error } = input;
  const failedAt = new Date().toISOString();
  const cause = causeMessage(error.Cause);
  const message: FailedMessage = {
    schemaVersion: MESSAGE_SCHEMA_VERSION,
    kind: 'failed',
    ticketId: ticket.ticketId,
    executionName,
    error: error.Error,
    cause,
    failedAt,
  };
  const store = (await loadHandlerContext()).predictions;
  await withTransientErrors(
    store
      .record({
        ticketId: ticket.ticketId,
        executionName,
        status: 'failed',
        ...(ticket.subject && { subject: ticket.subject }),
        text: ticket.text ?? '',
        truncated: ticket.truncated ?? false,
        receivedAt: ticket.receivedAt ?? failedAt,
        classifiedAt: failedAt,
        error: { error: error.Error, cause },
      })
      .catch((e: unknown) => {
        // A ticket already recorded by this execution (e.g. PublishResult recorded, then sending failed) keeps its record.
        if (!(e instanceof TicketConflictError)) throw e;
      }),
  );
  await withTransientErrors(
    sendJson((await loadAwsClients()).sqs, required('REJECTED_QUEUE_URL', config()), message, { kind: 'failed' }),
  );
  (await loadLogger()).warn('classification failed', { ticketId: ticket.ticketId, executionName, error: error.Error });
  return message;
}
