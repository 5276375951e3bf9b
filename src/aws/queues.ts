import type { SQSClient } from '@aws-sdk/client-sqs';
import { loadOnce } from '../load-once.ts';

/** The SQS commands, imported with the first message (see sendJson). */
const sqsCommands = loadOnce(() => import('@aws-sdk/client-sqs'));

/**
 * JSON that SQS accepts whatever the strings in it hold. SQS takes only the
 * XML characters #x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD |
 * #x10000-#x10FFFF in a body (anything else is `InvalidMessageContents`).
 * `JSON.stringify` already writes the control characters and unpaired
 * surrogates as `\uXXXX` escapes; the two non-characters U+FFFE and U+FFFF it
 * leaves as they are, so they are escaped here. The JSON means the same: a
 * consumer's `JSON.parse` gives back the very same strings (a ticket id with
 * U+FFFF in it is answered under that id).
 */
export function toSqsJson(message: unknown): string {
  return JSON.stringify(message).replace(/[\ufffe\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16)}`);
}

/** A character SQS refuses (attribute values are not JSON: such characters become U+FFFD there). */
const NOT_SQS_TEXT = /[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu;

/**
 * Sends one JSON message (`toSqsJson`). The SQS commands are imported with
 * the first message, not with this module: a Lambda that sends its first
 * message while handling its first event parses the SQS client then, not at
 * every cold start before it.
 */
export async function sendJson(
  sqs: SQSClient,
  queueUrl: string,
  message: unknown,
  attributes: Record<string, string> = {},
): Promise<string | undefined> {
  const commands = await sqsCommands();
  const result = await sqs.send(
    new commands.SendMessageCommand({
      QueueUrl: queueUrl,
      MessageBody: toSqsJson(message),
      MessageAttributes: Object.fromEntries(
        Object.entries(attributes).map(([k, v]) => [
          k,
          { DataType: 'String', StringValue: v.replace(NOT_SQS_TEXT, '\ufffd') },
        ]),
      ),
    }),
  );
  return result.MessageId;
}
