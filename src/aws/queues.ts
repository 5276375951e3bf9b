import type { SQSClient } from '@aws-sdk/client-sqs';

/**
 * Sends one JSON message. The SQS commands are imported with the first
 * message, not with this module: a Lambda that sends its first message while
 * handling its first event parses the SQS client then, not at every cold
 * start before it.
 */
export async function sendJson(
  sqs: SQSClient,
  queueUrl: string,
  message: unknown,
  attributes: Record<string, string> = {},
): Promise<string | undefined> {
  const commands = await import('@aws-sdk/client-sqs');
  const result = await sqs.send(
    new commands.SendMessageCommand({
      QueueUrl: queueUrl,
      MessageBody: JSON.stringify(message),
      MessageAttributes: Object.fromEntries(
        Object.entries(attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]),
      ),
    }),
  );
  return result.MessageId;
}
