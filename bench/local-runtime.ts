/**
 * Micro-benchmark of the local runtime: SQS -> event-source mapping -> starter
 * Lambda (StartExecution over HTTP with @aws-sdk/client-sfn) -> a 5-Task
 * workflow of trivial in-process functions, measured as executions/s from a
 * pre-filled queue until every execution has closed.
 *
 *   node bin/run-ts.mjs bench/local-runtime.ts [--messages=5000] [--pollers=4] [--data-dir=DIR]
 *
 * Phases: `trivial` (5 no-op Tasks), `sqs+dynamodb` (the last Task also sends
 * the result to an output queue and writes a DynamoDB item, like the product's
 * loop), and `interpreter only` (StartExecution in-process, no HTTP/SQS) for
 * reference.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { startLocalRuntime, type LocalRuntime } from '../src/local/index.ts';

const arg = (name: string, fallback: string): string =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const MESSAGES = Number(arg('messages', '5000'));
const POLLERS = Number(arg('pollers', '4'));
const DATA_DIR_ARG = arg('data-dir', '');

function workflow(prefix: string): string {
  const names = ['One', 'Two', 'Three', 'Four', 'Five'];
  const states: Record<string, unknown> = {};
  names.forEach((name, i) => {
    states[name] = {
      Type: 'Task',
      Resource: `arn:aws:lambda:us-east-1:000000000000:function:${prefix}-${i + 1}`,
      TimeoutSeconds: 10,
      ...(i < names.length - 1 ? { Next: names[i + 1] } : { End: true }),
    };
  });
  return JSON.stringify({ StartAt: 'One', States: states });
}

async function fillQueue(sqs: SQSClient, queueUrl: string, count: number): Promise<void> {
  const sends: Promise<unknown>[] = [];
  for (let i = 0; i < count; i += 10) {
    const entries = Array.from({ length: Math.min(10, count - i) }, (_, j) => ({
      Id: String(j),
      MessageBody: JSON.stringify({ ticketId: `t-${i + j}`, text: 'x'.repeat(200) }),
    }));
    sends.push(sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries })));
    if (sends.length >= 16) await Promise.all(sends.splice(0));
  }
  await Promise.all(sends);
}

async function phase(rt: LocalRuntime, label: string, stateMachineArn: string, count: number): Promise<number> {
  const sqs = new SQSClient(rt.clientConfig('sqs'));
  const sfn = new SFNClient(rt.clientConfig('stepFunctions'));
  const queue = rt.emulators.createQueue(`${label}-in`, { attributes: { VisibilityTimeout: '30' } });
  await fillQueue(sqs, queue.queueUrl, count);

  let closed = 0;
  let failed = 0;
  let resolveDone!: () => void;
  const done = new Promise<void>((resolve) => {
    resolveDone = resolve;
  });
  const unsubscribe = rt.stepFunctions.onExecutionClosed((record) => {
    if (record.stateMachineArn !== stateMachineArn) return;
    closed += 1;
    if (record.status !== 'SUCCEEDED') failed += 1;
    if (closed === count) resolveDone();
  });
  const starter = async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const results = await Promise.allSettled(
      event.Records.map((r) =>
        sfn.send(new StartExecutionCommand({ stateMachineArn, name: `${label}-${r.messageId}`, input: r.body })),
      ),
    );
    return {
      batchItemFailures: event.Records.filter((_, i) => results[i]?.status === 'rejected').map((r) => ({
        itemIdentifier: r.messageId,
      })),
    };
  };
  rt.registerFunction(`${label}-starter`, starter);

  const t0 = performance.now();
  const mapping = await rt.addSqsEventSource({
    queueUrl: queue.queueUrl,
    functionName: `${label}-starter`,
    batchSize: 10,
    pollers: POLLERS,
    waitTimeSeconds: 1,
  });
  await done;
  const seconds = (performance.now() - t0) / 1000;
  await mapping.stop();
  unsubscribe();
  sqs.destroy();
  sfn.destroy();
  if (failed > 0) console.warn(`  ${failed} executions did not succeed`);
  return count / seconds;
}

async function main(): Promise<void> {
  const tempDir = DATA_DIR_ARG ? undefined : mkdtempSync(join(tmpdir(), 'triage-bench-'));
  const dataDir = DATA_DIR_ARG || tempDir;
  const rt = await startLocalRuntime({ ...(DATA_DIR_ARG ? { dataDir } : {}) });
  const outSqs = new SQSClient(rt.clientConfig('sqs'));
  const ddb = new DynamoDBClient(rt.clientConfig('dynamodb'));
  try {
    for (let i = 1; i <= 5; i++) rt.registerFunction(`trivial-${i}`, async (event: unknown) => event);
    const { queueUrl: outUrl } = rt.emulators.createQueue('bench-out');
    await ddb.send(
      new CreateTableCommand({
        TableName: 'bench-predictions',
        AttributeDefinitions: [{ AttributeName: 'ticketId', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'ticketId', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    for (let i = 1; i <= 4; i++) rt.registerFunction(`io-${i}`, async (event: unknown) => event);
    rt.registerFunction('io-5', async (event: { ticketId: string }) => {
      await Promise.all([
        outSqs.send(
          new SendMessageCommand({
            QueueUrl: outUrl,
            MessageBody: JSON.stringify({ ticketId: event.ticketId, category: 'x' }),
          }),
        ),
        ddb.send(
          new PutItemCommand({
            TableName: 'bench-predictions',
            Item: { ticketId: { S: event.ticketId }, category: { S: 'x' } },
          }),
        ),
      ]);
      return { ticketId: event.ticketId };
    });
    const trivial = await rt.registerStateMachine({ name: 'bench-trivial', definition: workflow('trivial') });
    const io = await rt.registerStateMachine({ name: 'bench-io', definition: workflow('io') });

    console.log(
      `local runtime benchmark: ${MESSAGES} messages per phase, ${POLLERS} pollers x batch 10, persistence ${DATA_DIR_ARG ? 'on' : 'off'}, Node ${process.version}`,
    );
    await phase(rt, 'warmup', trivial.stateMachineArn, Math.min(1000, MESSAGES));
    const trivialRate = await phase(rt, 'trivial', trivial.stateMachineArn, MESSAGES);
    console.log(
      `  SQS -> poller -> StartExecution (HTTP) -> 5 trivial Tasks:        ${trivialRate.toFixed(0)} executions/s`,
    );
    const ioRate = await phase(rt, 'io', io.stateMachineArn, MESSAGES);
    console.log(`  same, last Task also SendMessage + DynamoDB PutItem:           ${ioRate.toFixed(0)} executions/s`);

    const t0 = performance.now();
    let started = 0;
    const inFlight = 100;
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (started++ < MESSAGES) {
          const { executionArn } = rt.stepFunctions.startExecution({
            stateMachineArn: trivial.stateMachineArn,
            input: '{"ticketId":"x"}',
          });
          await rt.stepFunctions.waitForExecution(executionArn as string);
        }
      }),
    );
    const direct = MESSAGES / ((performance.now() - t0) / 1000);
    console.log(
      `  interpreter only (in-process StartExecution, ${inFlight} in flight, history kept): ${direct.toFixed(0)} executions/s`,
    );
    console.log(`  rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`);
  } finally {
    outSqs.destroy();
    ddb.destroy();
    await rt.stop();
    if (tempDir) rmSync(tempDir, { recursive: true, force: true });
  }
}

await main();
