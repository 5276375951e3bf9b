import {
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
  GetQueueAttributesCommand,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalRuntime, type LocalRuntime } from '../../src/local/runtime.ts';
import { succeededRecords } from '../../src/local/event-source-mapping.ts';
import { eventually, sleep } from './helpers.ts';

let rt: LocalRuntime;
let sqs: SQSClient;

beforeAll(async () => {
  rt = await startLocalRuntime();
  sqs = new SQSClient(rt.clientConfig('sqs'));
});
afterAll(async () => {
  sqs.destroy();
  await rt.stop();
});

async function sendAll(queueUrl: string, bodies: string[]): Promise<void> {
  for (let i = 0; i < bodies.length; i += 10) {
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: bodies.slice(i, i + 10).map((body, j) => ({
          Id: String(j),
          MessageBody: body,
          MessageAttributes: { source: { DataType: 'String', StringValue: 'test' } },
        })),
      }),
    );
  }
}

async function queueDepth(queueUrl: string): Promise<number> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return Number(Attributes?.ApproximateNumberOfMessages) + Number(Attributes?.ApproximateNumberOfMessagesNotVisible);
}

describe('SQS event-source mapping', () => {
  it('delivers batches, deletes successes, redelivers failures, and redrives poison messages to the DLQ', async () => {
    rt.emulators.createQueue('esm-dlq');
    const { queueUrl, queueArn } = rt.emulators.createQueue('esm-in', {
      attributes: { VisibilityTimeout: '1' },
      deadLetter: { queueName: 'esm-dlq', maxReceiveCount: 3 },
    });
    const deliveries = new Map<string, number>();
    const batchSizes: number[] = [];
    const seen: SQSRecord[] = [];
    rt.registerFunction('consume', async (event: SQSEvent, context): Promise<SQSBatchResponse> => {
      expect(context.functionName).toBe('consume');
      batchSizes.push(event.Records.length);
      const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
      for (const record of event.Records) {
        seen.push(record);
        const n = (deliveries.get(record.body) ?? 0) + 1;
        deliveries.set(record.body, n);
        const failOnce = record.body.startsWith('retry') && n === 1;
        if (failOnce || record.body === 'poison') batchItemFailures.push({ itemIdentifier: record.messageId });
      }
      return { batchItemFailures };
    });
    const bodies = [...Array.from({ length: 22 }, (_, i) => `ok-${i}`), 'retry-a', 'retry-b', 'poison'];
    await sendAll(queueUrl, bodies);
    const mapping = await rt.addSqsEventSource({
      queueName: 'esm-in',
      functionName: 'consume',
      batchSize: 10,
      pollers: 2,
      waitTimeSeconds: 1,
    });
    try {
      const dlqMessage = await eventually(async () => {
        const r = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: rt.emulators.queueUrl('esm-dlq'), WaitTimeSeconds: 1 }),
        );
        return r.Messages?.[0];
      }, 20_000);
      expect(dlqMessage.Body).toBe('poison');
      await eventually(async () => ((await queueDepth(queueUrl)) === 0 ? true : undefined));
    } finally {
      await mapping.stop();
    }
    for (let i = 0; i < 22; i++) expect(deliveries.get(`ok-${i}`)).toBe(1);
    expect(deliveries.get('retry-a')).toBe(2);
    expect(deliveries.get('retry-b')).toBe(2);
    expect(deliveries.get('poison')).toBe(3); // maxReceiveCount deliveries, then the DLQ
    expect(Math.max(...batchSizes)).toBeLessThanOrEqual(10);
    expect(mapping.stats.deleted).toBe(24);

    const record = seen.find((r) => r.body === 'retry-a' && r.attributes.ApproximateReceiveCount === '2');
    expect(record).toBeDefined();
    const first = seen[0] as SQSRecord;
    expect(first.eventSource).toBe('aws:sqs');
    expect(first.eventSourceARN).toBe(queueArn);
    expect(first.awsRegion).toBe('us-east-1');
    expect(first.receiptHandle).toBeTruthy();
    expect(first.md5OfBody).toMatch(/^[0-9a-f]{32}$/);
    expect(first.attributes.SentTimestamp).toMatch(/^\d+$/);
    expect(first.messageAttributes.source).toEqual({
      dataType: 'String',
      stringValue: 'test',
      stringListValues: [],
      binaryListValues: [],
    });
  });

  it('returns the whole batch to the queue when the handler throws', async () => {
    const { queueUrl } = rt.emulators.createQueue('esm-throw', { attributes: { VisibilityTimeout: '1' } });
    let calls = 0;
    const mapping = await rt.addSqsEventSource({
      queueUrl,
      handler: async (event) => {
        calls += 1;
        if (calls === 1) throw new Error('handler crashed');
        expect(event.Records.every((r) => r.attributes.ApproximateReceiveCount === '2')).toBe(true);
        return undefined;
      },
      batchSize: 10,
      pollers: 1,
      waitTimeSeconds: 1,
    });
    try {
      await sendAll(queueUrl, ['a', 'b', 'c']);
      await eventually(async () => (mapping.stats.deleted === 3 ? true : undefined));
      expect(mapping.stats.handlerErrors).toBe(1);
      expect(await queueDepth(queueUrl)).toBe(0);
    } finally {
      await mapping.stop();
    }
  });

  it('stops gracefully: the batch in flight finishes and is deleted', async () => {
    const { queueUrl } = rt.emulators.createQueue('esm-stop', { attributes: { VisibilityTimeout: '30' } });
    let started!: () => void;
    const handlerStarted = new Promise<void>((resolve) => {
      started = resolve;
    });
    let finished = false;
    const mapping = await rt.addSqsEventSource({
      queueUrl,
      handler: async () => {
        started();
        await sleep(300);
        finished = true;
      },
      pollers: 3,
      waitTimeSeconds: 20,
    });
    await sendAll(queueUrl, ['one']);
    await handlerStarted;
    const t0 = Date.now();
    await mapping.stop(); // two pollers are in a 20 s long poll: they are aborted
    expect(finished).toBe(true);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(mapping.stats.deleted).toBe(1);
    expect(await queueDepth(queueUrl)).toBe(0);
  });

  it('treats a response naming an unknown item as a failure of the whole batch', () => {
    const records = [{ messageId: 'a' }, { messageId: 'b' }] as SQSRecord[];
    expect(succeededRecords(records, undefined, true)).toHaveLength(2);
    expect(succeededRecords(records, { batchItemFailures: [] }, true)).toHaveLength(2);
    expect(
      succeededRecords(records, { batchItemFailures: [{ itemIdentifier: 'a' }] }, true)?.map((r) => r.messageId),
    ).toEqual(['b']);
    expect(succeededRecords(records, { batchItemFailures: [{ itemIdentifier: 'zzz' }] }, true)).toBeUndefined();
    expect(succeededRecords(records, { batchItemFailures: [{ itemIdentifier: '' }] }, true)).toBeUndefined();
    expect(succeededRecords(records, { batchItemFailures: [{ itemIdentifier: 'a' }] }, false)).toHaveLength(2);
  });
});
