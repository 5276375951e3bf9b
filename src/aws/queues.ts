import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';

/** Sends one JSON message. */
export async function sendJson(
  sqs: SQSClient,
  queueUrl: string,
  message: unknown,
  attributes: Record<string, string> = {},
): Promise<string | undefined> {
  const result = await sqs.send(
    new SendMessageCommand({
      QueueUrl: queueUrl,
      MessageBody: JSON.stringify(message),
      MessageAttributes: Object.fromEntries(
        Object.entries(attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]),
      ),
    }),
  );
  return result.MessageId;
}
