import type { Context } from 'aws-lambda';
import { sendJson } from '../src/aws/queues.ts';
import { config, required } from '../src/config.ts';
import { MESSAGE_SCHEMA_VERSION, type ClassifiedMessage } from '../src/contracts/messages.ts';
import { legacyRoute } from '../src/contracts/routing.ts';
import { parseStepInput, publishInput } from '../src/contracts/steps.ts';
import { loadAwsClients } from '../src/lambda/load-clients.ts';
import { loadHandlerContext } from '../src/lambda/load-context.ts';
import { withTransientErrors } from '../src/aws/errors.ts';
import { loadLogger } from '../src/lambda/load-logger.ts';
import { loadOnce } from '../src/load-once.ts';

/** Powertools idempotency (and the SDK clients it uses), imported on the EXPRESS path only. */
const oncePerTicket = loadOnce(() => import('../src/lambda/once-per-ticket.ts'));

/**
 * `PublishResult`: records the prediction for the review page (DynamoDB),
 * then puts the result on the output queue. The record is conditional on the
 * execution, so a retried step cannot record a second, different result.
 * EXPRESS: only the ticket's first outcome gets out (once-per-ticket.ts); a
 * later run returns that outcome and sends nothing.
 */
export const handler = async (event: unknown, context: Context): Promise<unknown> => {
  const input = parseStepInput(publishInput, event, 'PublishResult');
  if (config().CLASSIFY_WORKFLOW_TYPE !== 'EXPRESS') return publish(input);
  // Powertools idempotency (and the SDK clients it uses) load only on the EXPRESS path.
  const { firstOutcome } = await oncePerTicket();
  return firstOutcome(input.ticket.ticketId, context, () => publish(input));
};

async function publish(input: ReturnType<typeof publishInput.parse>): Promise<ClassifiedMessage> {
  const { ticket, prediction, modelVersion, executionName } = input;
  const routed = prediction.route
    ? { route: prediction.route, ...(prediction.reason && { reason: prediction.reason }) }
    : legacyRoute(prediction.needsReview);
  const needsReview = routed.route === 'review';
  const classifiedAt = new Date().toISOString();
  await withTransientErrors(
    (await loadHandlerContext()).predictions.record({
      ticketId: ticket.ticketId,
      executionName,
      status: 'classified',
      ...(ticket.subject && { subject: ticket.subject }),
      text: ticket.text,
      truncated: ticket.truncated,
      receivedAt: ticket.receivedAt,
      category: prediction.category,
      probability: prediction.probability,
      top: prediction.top,
      explanation: prediction.explanation,
      ...routed,
      needsReview,
      modelVersion,
      classifiedAt,
    }),
  );
  const message: ClassifiedMessage = {
    schemaVersion: MESSAGE_SCHEMA_VERSION,
    kind: 'classified',
    ticketId: ticket.ticketId,
    category: prediction.category,
    probability: prediction.probability,
    top: prediction.top,
    ...routed,
    needsReview,
    modelVersion,
    executionName,
    receivedAt: ticket.receivedAt,
    classifiedAt,
    truncated: ticket.truncated,
  };
  await withTransientErrors(
    sendJson((await loadAwsClients()).sqs, required('OUTPUT_QUEUE_URL', config()), message, {
      category: prediction.category,
    }),
  );
  (await loadLogger()).debug('classified', {
    ticketId: ticket.ticketId,
    executionName,
    modelVersion,
    category: prediction.category,
  });
  return message;
}
