/**
 * `triage start` as a child process on a data directory, on random ports, for
 * the crash benchmark and the crash tests: start it, find its endpoints (the
 * stack file it writes once ready), `kill -9` it, start it again on the same
 * directory. Also the clients and queue reading those need.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { parseConfig } from '../src/config.ts';
import { stackFilePath, type StackFile } from '../src/local-stack/stack-file.ts';
import { projectPath } from '../src/workflows/catalog.ts';
import { SEMI_SPACE_MB } from '../src/local/heap.ts';

export interface ChildStack {
  readonly process: ChildProcess;
  readonly pid: number;
  readonly environment: Record<string, string>;
  /** Milliseconds from spawn to ready (stack file written). */
  readonly startMs: number;
  /** `kill -9`: no chance to flush anything. Resolves once the process is gone. */
  kill(): Promise<void>;
  /** SIGTERM (graceful: finishes what is in flight). */
  stop(): Promise<void>;
  /** The last lines it wrote to stderr. */
  stderr(): string;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function readStackFileOf(dataDir: string, pid: number): StackFile | undefined {
  try {
    const file = JSON.parse(readFileSync(stackFilePath(dataDir), 'utf8')) as StackFile;
    return file.pid === pid ? file : undefined;
  } catch {
    return undefined;
  }
}

/** Starts `triage start --data-dir <dataDir>` on random ports and waits until it is ready. */
export async function startChildStack(
  dataDir: string,
  options: {
    env?: Record<string, string>;
    timeoutMs?: number;
    pollers?: number;
    /** `--workflow-type` (default: the child's CLASSIFY_WORKFLOW_TYPE, else STANDARD). */
    workflowType?: 'STANDARD' | 'EXPRESS';
  } = {},
): Promise<ChildStack> {
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [
      `--max-semi-space-size=${SEMI_SPACE_MB}`, // as npm start
      projectPath('bin/triage.mjs'),
      'start',
      '--data-dir',
      dataDir,
      '--gateway-port',
      '0',
      '--port',
      '0',
      '--pollers',
      String(options.pollers ?? 4),
      ...(options.workflowType ? ['--workflow-type', options.workflowType] : []),
    ],
    {
      env: { ...process.env, RETRAIN_SCHEDULE: 'off', POWERTOOLS_LOG_LEVEL: 'ERROR', ...options.env },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-20_000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let gone = false;
  void exited.then(() => (gone = true));
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not start `triage start`');
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  let file = readStackFileOf(dataDir, pid);
  while (!file) {
    if (gone) throw new Error(`\`triage start\` exited before it was ready:\n${stderr.slice(-3000)}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`\`triage start\` was not ready in time:\n${stderr.slice(-3000)}`);
    }
    await sleep(20);
    file = readStackFileOf(dataDir, pid);
  }
  return {
    process: child,
    pid,
    environment: file.environment,
    startMs: performance.now() - started,
    async kill() {
      if (!gone) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (!gone) child.kill('SIGTERM');
      await exited;
    },
    stderr: () => stderr,
  };
}

/** SDK clients for a child stack's endpoints. */
export function childClients(environment: Record<string, string>) {
  const base = {
    region: environment.AWS_REGION ?? 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  };
  const sqs = new SQSClient({ ...base, endpoint: environment.AWS_ENDPOINT_URL_SQS ?? environment.AWS_ENDPOINT_URL });
  const dynamo = new DynamoDBClient({
    ...base,
    endpoint: environment.AWS_ENDPOINT_URL_DYNAMODB ?? environment.AWS_ENDPOINT_URL,
  });
  const documents = DynamoDBDocumentClient.from(dynamo);
  const settings = parseConfig(environment);
  return {
    sqs,
    documents,
    /** The ticket's record in the predictions table, once a step recorded it. */
    async ticketStatus(ticketId: string): Promise<string | undefined> {
      const { Item } = await documents.send(
        new GetCommand({ TableName: settings.PREDICTIONS_TABLE, Key: { ticketId }, ConsistentRead: true }),
      );
      return Item?.status as string | undefined;
    },
    async queueDepth(queueUrl: string): Promise<{ visible: number; inFlight: number }> {
      const { Attributes = {} } = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: queueUrl,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      return {
        visible: Number(Attributes.ApproximateNumberOfMessages ?? 0),
        inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
      };
    },
    /** Sends up to 10 bodies in one SendMessageBatch; resolves with the indexes SQS acknowledged. */
    async sendBatch(queueUrl: string, bodies: string[]): Promise<number[]> {
      const result = await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: bodies.map((MessageBody, i) => ({ Id: String(i), MessageBody })),
        }),
      );
      return (result.Successful ?? []).map((s) => Number(s.Id));
    },
    /** Receives and deletes everything on the queue (until two empty receives in a row). */
    async readToEnd(queueUrl: string): Promise<string[]> {
      const bodies: string[] = [];
      let empty = 0;
      while (empty < 2) {
        const { Messages = [] } = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
        );
        if (Messages.length === 0) {
          empty += 1;
          continue;
        }
        empty = 0;
        for (const m of Messages) bodies.push(m.Body ?? '');
        await sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })),
          }),
        );
      }
      return bodies;
    },
    destroy() {
      sqs.destroy();
      dynamo.destroy();
    },
  };
}

export type ChildClients = ReturnType<typeof childClients>;
