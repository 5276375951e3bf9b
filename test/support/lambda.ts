import { randomUUID } from 'node:crypto';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';

/**
 * Typed stand-ins for what Lambda hands a handler, for tests that call a
 * handler directly: a Lambda context and SQS events. Complete values of the
 * `aws-lambda` types, so no cast is needed at the call site.
 */

/** A Lambda context as the Node.js runtime passes it (`remainingMs` from now). */
export function lambdaContext(functionName = 'test-function', remainingMs = 30_000): Context {
  const deadline = Date.now() + remainingMs;
  const requestId = randomUUID();
  const unsupported = (): never => {
    throw new Error('context.done/fail/succeed are not supported: return or throw from an async handler');
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `test/[$LATEST]${requestId.replaceAll('-', '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}

/** One SQS record as the event-source mapping delivers it. */
export function sqsRecord(
  body: string,
  options: { messageId?: string; receiveCount?: number; sentAt?: number; queue?: string } = {},
): SQSRecord {
  const queue = options.queue ?? 'ticket-triage-input';
  const sentAt = String(options.sentAt ?? Date.now());
  return {
    messageId: options.messageId ?? randomUUID(),
    receiptHandle: `receipt-${randomUUID()}`,
    body,
    attributes: {
      ApproximateReceiveCount: String(options.receiveCount ?? 1),
      SentTimestamp: sentAt,
      SenderId: '000000000000',
      ApproximateFirstReceiveTimestamp: sentAt,
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: `arn:aws:sqs:us-east-1:000000000000:${queue}`,
    awsRegion: 'us-east-1',
  };
}

/** An SQS event of the given records. */
export const sqsEvent = (...records: SQSRecord[]): SQSEvent => ({ Records: records });
