import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmulators } from '../../src/local/emulators.ts';
import { startLocalRuntime } from '../../src/local/runtime.ts';
import { eventually, tempDataDir } from './helpers.ts';
import { join } from 'node:path';

const credentials = { accessKeyId: 'x', secretAccessKey: 'x' };
const data = tempDataDir('emulators');
afterAll(() => data.cleanup());

describe('emulators (fauxqs S3+SQS, dynalite DynamoDB)', () => {
  it.each(['main', 'worker'] as const)(
    'keep S3 objects, SQS queues and messages, and DynamoDB items across a restart on new ports (%s thread)',
    async (thread) => {
      const dataDir = join(data.dir, thread);
      const first = await startEmulators({ dataDir, thread });
      expect(first.thread).toBe(thread);
      const s3 = new S3Client({ endpoint: first.endpoints.s3, region: 'us-east-1', credentials, forcePathStyle: true });
      const sqs = new SQSClient({ endpoint: first.endpoints.sqs, region: 'us-east-1', credentials });
      const ddb = new DynamoDBClient({ endpoint: first.endpoints.dynamodb, region: 'us-east-1', credentials });

      await s3.send(new CreateBucketCommand({ Bucket: 'models' }));
      await s3.send(
        new PutObjectCommand({
          Bucket: 'models',
          Key: 'models/v1/model.json',
          Body: '{"v":1}',
          ContentType: 'application/json',
        }),
      );
      await s3.send(
        new PutObjectCommand({ Bucket: 'models', Key: 'models/current', Body: 'v1', Metadata: { who: 'test' } }),
      );
      const { QueueUrl } = await sqs.send(
        new CreateQueueCommand({ QueueName: 'in', Attributes: { VisibilityTimeout: '7' } }),
      );
      await sqs.send(
        new SendMessageCommand({
          QueueUrl,
          MessageBody: 'persist me',
          MessageAttributes: { kind: { DataType: 'String', StringValue: 'k1' } },
        }),
      );
      await ddb.send(
        new CreateTableCommand({
          TableName: 'feedback',
          AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
      // A new table is CREATING for a moment (as on AWS); with the servers on another thread the next request can get there first.
      await eventually(async () =>
        (await ddb.send(new DescribeTableCommand({ TableName: 'feedback' }))).Table?.TableStatus === 'ACTIVE'
          ? true
          : undefined,
      );
      await ddb.send(
        new PutItemCommand({ TableName: 'feedback', Item: { id: { S: 't-1' }, label: { S: 'billing' } } }),
      );
      const firstPort = first.endpoints.sqs;
      for (const c of [s3, sqs, ddb]) c.destroy();
      await first.stop();

      const second = await startEmulators({ dataDir, thread });
      expect(second.endpoints.sqs).not.toBe(firstPort);
      const s3b = new S3Client({
        endpoint: second.endpoints.s3,
        region: 'us-east-1',
        credentials,
        forcePathStyle: true,
      });
      const sqsb = new SQSClient({ endpoint: second.endpoints.sqs, region: 'us-east-1', credentials });
      const ddbb = new DynamoDBClient({ endpoint: second.endpoints.dynamodb, region: 'us-east-1', credentials });
      try {
        const obj = await s3b.send(new GetObjectCommand({ Bucket: 'models', Key: 'models/v1/model.json' }));
        expect(await obj.Body?.transformToString()).toBe('{"v":1}');
        expect(obj.ContentType).toBe('application/json');
        const pointer = await s3b.send(new GetObjectCommand({ Bucket: 'models', Key: 'models/current' }));
        expect(pointer.Metadata).toEqual({ who: 'test' });
        const listed = await s3b.send(new ListObjectsV2Command({ Bucket: 'models', Prefix: 'models/' }));
        expect(listed.Contents?.map((c) => c.Key).sort()).toEqual(['models/current', 'models/v1/model.json']);

        // The old URL (old port) still names the queue.
        const attrs = await sqsb.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }));
        expect(attrs.Attributes?.VisibilityTimeout).toBe('7');
        const received = await sqsb.send(
          new ReceiveMessageCommand({
            QueueUrl: second.queueUrl('in'),
            MessageAttributeNames: ['All'],
            WaitTimeSeconds: 1,
          }),
        );
        expect(received.Messages?.[0]?.Body).toBe('persist me');
        expect(received.Messages?.[0]?.MessageAttributes?.kind?.StringValue).toBe('k1');

        const item = await ddbb.send(new GetItemCommand({ TableName: 'feedback', Key: { id: { S: 't-1' } } }));
        expect(item.Item?.label?.S).toBe('billing');
      } finally {
        for (const c of [s3b, sqsb, ddbb]) c.destroy();
        await second.stop();
      }
    },
  );

  it('run in memory without a data dir', async () => {
    const emu = await startEmulators();
    expect(emu.persistent).toBe(false);
    const sqs = new SQSClient({ endpoint: emu.endpoints.sqs, region: 'us-east-1', credentials });
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'mem' }));
    expect(QueueUrl).toBe(emu.queueUrl('mem'));
    sqs.destroy();
    await emu.stop();
  });

  it.each(['main', 'worker'] as const)(
    'fauxqs moves a message to the dead-letter queue after maxReceiveCount receives (RedrivePolicy, %s thread)',
    async (thread) => {
      const emu = await startEmulators({ thread });
      const sqs = new SQSClient({ endpoint: emu.endpoints.sqs, region: 'us-east-1', credentials });
      try {
        emu.createQueue('poison-dlq');
        const { queueUrl } = emu.createQueue('poison', {
          attributes: { VisibilityTimeout: '0' },
          deadLetter: { queueName: 'poison-dlq', maxReceiveCount: 2 },
        });
        await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'bad' }));
        for (let i = 1; i <= 2; i++) {
          const r = await sqs.send(
            new ReceiveMessageCommand({ QueueUrl: queueUrl, MessageSystemAttributeNames: ['ApproximateReceiveCount'] }),
          );
          expect(r.Messages?.[0]?.Attributes?.ApproximateReceiveCount).toBe(String(i));
        }
        const third = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl }));
        expect(third.Messages).toBeUndefined();
        const dlq = await sqs.send(new ReceiveMessageCommand({ QueueUrl: emu.queueUrl('poison-dlq') }));
        expect(dlq.Messages?.[0]?.Body).toBe('bad');
      } finally {
        sqs.destroy();
        await emu.stop();
      }
    },
  );

  it('serve every service through one gateway endpoint (AWS_ENDPOINT_URL style)', async () => {
    const rt = await startLocalRuntime({ logger: undefined });
    const config = { endpoint: rt.endpoints.gateway, region: rt.region, credentials };
    const s3 = new S3Client(config); // no forcePathStyle: an IP endpoint makes the SDK use path style
    const sqs = new SQSClient(config);
    const ddb = new DynamoDBClient(config);
    try {
      await s3.send(new CreateBucketCommand({ Bucket: 'gw-bucket' }));
      await s3.send(new PutObjectCommand({ Bucket: 'gw-bucket', Key: 'k', Body: 'v' }));
      expect(
        await (await s3.send(new GetObjectCommand({ Bucket: 'gw-bucket', Key: 'k' }))).Body?.transformToString(),
      ).toBe('v');
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'gw-queue' }));
      expect(QueueUrl).toBe(rt.emulators.queueUrl('gw-queue'));
      await ddb.send(
        new CreateTableCommand({
          TableName: 'gw-table',
          AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
      await eventually(async () =>
        (await ddb.send(new DescribeTableCommand({ TableName: 'gw-table' }))).Table?.TableStatus === 'ACTIVE'
          ? true
          : undefined,
      );
      await ddb.send(new PutItemCommand({ TableName: 'gw-table', Item: { id: { S: '1' } } }));
      expect(
        (await ddb.send(new GetItemCommand({ TableName: 'gw-table', Key: { id: { S: '1' } } }))).Item,
      ).toBeDefined();
      expect(rt.environment().AWS_ENDPOINT_URL).toBe(rt.endpoints.gateway);
    } finally {
      for (const c of [s3, sqs, ddb]) c.destroy();
      await rt.stop();
    }
  });
});
