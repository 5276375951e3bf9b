/**
 * An SQS poller that plays the Lambda event-source mapping for a queue:
 * `pollers` loops each long-poll ReceiveMessage (up to `batchSize` messages),
 * hand the batch to the handler as a real `SQSEvent`, and then, following
 * `ReportBatchItemFailures` semantics, delete the records that succeeded in
 * one DeleteMessageBatch call; failed records stay in the queue and come back
 * after their visibility timeout. A handler error fails the whole batch, and
 * so does a response naming an item that is not in the batch (as on AWS).
 *
 * Poison messages go to the dead-letter queue through the queue's own
 * `RedrivePolicy` (fauxqs implements it, on receive, as SQS does), so give the
 * queue one; this poller never drops a message.
 *
 * In flight at most: pollers × batchSize messages. Keep the queue's visibility
 * timeout above the slowest batch.
 */
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type Message,
  type MessageAttributeValue,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSMessageAttributes, SQSRecord } from 'aws-lambda';
import { silentLogger, type RuntimeLogger } from './logger.ts';

export type SqsBatchHandler = (event: SQSEvent) => Promise<SQSBatchResponse | null | undefined>;

export interface SqsEventSourceOptions {
  readonly client: SQSClient;
  readonly queueUrl: string;
  readonly handler: SqsBatchHandler;
  /** Records' `awsRegion`. Default: the client's region. */
  readonly region?: string;
  /** Messages per batch, 1-10. Default 10. */
  readonly batchSize?: number;
  /** Concurrent receive loops. Default 2. */
  readonly pollers?: number;
  /** Long-poll wait, 0-20 s. Default 20. */
  readonly waitTimeSeconds?: number;
  /** Visibility timeout for received messages; default: the queue's. */
  readonly visibilityTimeoutSeconds?: number;
  /** Honour `batchItemFailures` in the handler's response (ReportBatchItemFailures). Default true. */
  readonly reportBatchItemFailures?: boolean;
  /** Pause after a failed ReceiveMessage (ms). Default 1000. */
  readonly errorBackoffMs?: number;
  readonly logger?: RuntimeLogger;
}

export interface SqsEventSourceStats {
  batches: number;
  received: number;
  deleted: number;
  /** Records left in the queue for redelivery (failed items and failed batches). */
  failed: number;
  handlerErrors: number;
}

export interface SqsEventSourceMapping {
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly stats: Readonly<SqsEventSourceStats>;
  /** Stops polling (pending long polls are aborted), lets in-flight batches finish, then resolves. */
  stop(): Promise<void>;
}

const isAbort = (err: unknown): boolean => err instanceof Error && err.name === 'AbortError';

function toRecordAttribute(value: MessageAttributeValue): SQSMessageAttributes[string] {
  return {
    dataType: value.DataType ?? 'String',
    ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
    ...(value.BinaryValue !== undefined ? { binaryValue: Buffer.from(value.BinaryValue).toString('base64') } : {}),
    stringListValues: value.StringListValues ?? [],
    binaryListValues: (value.BinaryListValues ?? []).map((b) => Buffer.from(b).toString('base64')),
  };
}

/** Builds the Lambda SQS event record of a received message. */
export function toSqsRecord(message: Message, queueArn: string, region: string): SQSRecord {
  const a = message.Attributes ?? {};
  const messageAttributes: SQSMessageAttributes = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    messageAttributes[name] = toRecordAttribute(value);
  }
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: a.ApproximateReceiveCount ?? '1',
      SentTimestamp: a.SentTimestamp ?? String(Date.now()),
      SenderId: a.SenderId ?? '000000000000',
      ApproximateFirstReceiveTimestamp: a.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
      ...(a.SequenceNumber !== undefined ? { SequenceNumber: a.SequenceNumber } : {}),
      ...(a.MessageGroupId !== undefined ? { MessageGroupId: a.MessageGroupId } : {}),
      ...(a.MessageDeduplicationId !== undefined ? { MessageDeduplicationId: a.MessageDeduplicationId } : {}),
      ...(a.AWSTraceHeader !== undefined ? { AWSTraceHeader: a.AWSTraceHeader } : {}),
    },
    messageAttributes,
    md5OfBody: message.MD5OfBody ?? '',
    ...(message.MD5OfMessageAttributes !== undefined ? { md5OfMessageAttributes: message.MD5OfMessageAttributes } : {}),
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}

/**
 * Which records succeeded, per ReportBatchItemFailures: `undefined` means the
 * whole batch failed (a named item is missing from the batch or empty).
 */
export function succeededRecords(
  records: readonly SQSRecord[],
  response: SQSBatchResponse | null | undefined,
  reportBatchItemFailures: boolean,
): SQSRecord[] | undefined {
  const failures = reportBatchItemFailures ? (response?.batchItemFailures ?? []) : [];
  if (failures.length === 0) return [...records];
  const ids = new Set(records.map((r) => r.messageId));
  const failed = new Set<string>();
  for (const f of failures) {
    if (typeof f?.itemIdentifier !== 'string' || !ids.has(f.itemIdentifier)) return undefined;
    failed.add(f.itemIdentifier);
  }
  return records.filter((r) => !failed.has(r.messageId));
}

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });

/** Starts polling `queueUrl` into `handler`. */
export async function startSqsEventSource(options: SqsEventSourceOptions): Promise<SqsEventSourceMapping> {
  const { client, queueUrl, handler } = options;
  const batchSize = options.batchSize ?? 10;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10) throw new Error('batchSize must be 1-10');
  const pollers = options.pollers ?? 2;
  const waitTimeSeconds = options.waitTimeSeconds ?? 20;
  const reportFailures = options.reportBatchItemFailures ?? true;
  const backoffMs = options.errorBackoffMs ?? 1000;
  const log = options.logger ?? silentLogger;
  const region = options.region ?? (await client.config.region());

  const attrs = await client.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
  const queueArn = attrs.Attributes?.QueueArn;
  if (!queueArn) throw new Error(`queue has no ARN: ${queueUrl}`);

  const stats: SqsEventSourceStats = { batches: 0, received: 0, deleted: 0, failed: 0, handlerErrors: 0 };
  const stopping = new AbortController();

  const processBatch = async (messages: Message[]): Promise<void> => {
    const records = messages.map((m) => toSqsRecord(m, queueArn, region));
    stats.batches += 1;
    stats.received += records.length;
    let succeeded: SQSRecord[] | undefined;
    try {
      succeeded = succeededRecords(records, await handler({ Records: records }), reportFailures);
      if (!succeeded)
        log.warn('batch response names unknown items: whole batch fails', { queueArn, size: records.length });
    } catch (err) {
      stats.handlerErrors += 1;
      log.warn('handler failed: whole batch returns to the queue', {
        queueArn,
        size: records.length,
        errorType: err instanceof Error ? err.name : typeof err,
      });
    }
    const ok = succeeded ?? [];
    stats.failed += records.length - ok.length;
    if (ok.length === 0) return;
    const result = await client.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: ok.map((r, i) => ({ Id: String(i), ReceiptHandle: r.receiptHandle })),
      }),
    );
    const notDeleted = result.Failed?.length ?? 0;
    stats.deleted += ok.length - notDeleted;
    if (notDeleted > 0)
      log.warn('some processed messages could not be deleted (will be redelivered)', { queueArn, count: notDeleted });
  };

  const pollLoop = async (): Promise<void> => {
    while (!stopping.signal.aborted) {
      let messages: Message[];
      try {
        const response = await client.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: batchSize,
            WaitTimeSeconds: waitTimeSeconds,
            ...(options.visibilityTimeoutSeconds !== undefined
              ? { VisibilityTimeout: options.visibilityTimeoutSeconds }
              : {}),
            MessageSystemAttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
          { abortSignal: stopping.signal },
        );
        messages = response.Messages ?? [];
      } catch (err) {
        if (stopping.signal.aborted || isAbort(err)) return;
        log.warn('ReceiveMessage failed; retrying', {
          queueArn,
          errorType: err instanceof Error ? err.name : typeof err,
        });
        await sleep(backoffMs, stopping.signal);
        continue;
      }
      if (messages.length === 0) continue;
      try {
        await processBatch(messages);
      } catch (err) {
        log.error('batch processing failed', { queueArn, errorType: err instanceof Error ? err.name : typeof err });
        await sleep(backoffMs, stopping.signal);
      }
    }
  };

  const loops = Array.from({ length: pollers }, () => pollLoop());
  log.info('event source mapping started', { queueArn, pollers, batchSize });
  return {
    queueUrl,
    queueArn,
    stats,
    async stop() {
      stopping.abort();
      await Promise.all(loops);
    },
  };
}
