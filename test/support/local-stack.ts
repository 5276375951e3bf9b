import { DeleteMessageBatchCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { createAwsClients, type AwsClients } from '../../src/aws/clients.ts';
import type { RejectedQueueMessage, ClassifiedMessage } from '../../src/contracts/messages.ts';
import type { ModelRegistry } from '../../src/model-store/registry.ts';
import type { S3ModelStore } from '../../src/model-store/s3-model-store.ts';
import type { FeedbackStore } from '../../src/storage/feedback.ts';
import type { PredictionStore } from '../../src/storage/predictions.ts';
import { createStores } from '../../src/storage/stores.ts';
import { bootstrapModel } from '../../src/operations/bootstrap.ts';
import type { ProfileName } from '../../src/model/profiles.ts';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../src/local-stack/local-stack.ts';
import { TRAINING_TICKETS } from './tickets.ts';

/** A running local stack plus what tests need around it. */
export interface TestStack {
  readonly stack: LocalStack;
  readonly clients: AwsClients;
  readonly store: S3ModelStore;
  readonly registry: ModelRegistry;
  readonly predictions: PredictionStore;
  readonly feedback: FeedbackStore;
  /** Puts a message on the input queue (object -> JSON; string as is). */
  send(body: unknown): Promise<string>;
  /** Everything that arrived on the output / rejected queues so far (drained and kept). */
  readonly outputs: ClassifiedMessage[];
  readonly rejections: RejectedQueueMessage[];
  /** Waits until `predicate` holds over what has arrived (polls the queues). */
  until(predicate: () => boolean, timeoutMs?: number): Promise<void>;
  /** Trains a model on the fixture tickets (plus extra rows) and puts it in service. */
  bootstrap(options?: { profile?: ProfileName; extra?: { text: string; label: string }[] }): Promise<string>;
  stop(): Promise<void>;
}

export async function startTestStack(options: LocalStackOptions = {}): Promise<TestStack> {
  const stack = await startLocalStack({
    ...options,
    settings: { POINTER_CACHE_SECONDS: '0', RETRAIN_SCHEDULE: 'off', ...options.settings },
    eventSource: { pollers: 2, visibilityTimeoutSeconds: 20, ...options.eventSource },
  });
  const clients = createAwsClients(stack.config);
  const { modelStore: store, registry, predictions, feedback } = createStores(clients, stack.config);
  const outputs: ClassifiedMessage[] = [];
  const rejections: RejectedQueueMessage[] = [];

  async function drain(queueUrl: string, into: unknown[]): Promise<void> {
    for (;;) {
      const { Messages = [] } = await clients.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
      );
      if (Messages.length === 0) return;
      for (const m of Messages) into.push(JSON.parse(m.Body!));
      await clients.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
        }),
      );
    }
  }

  return {
    stack,
    clients,
    store,
    registry,
    predictions,
    feedback,
    outputs,
    rejections,
    async send(body) {
      const result = await clients.sqs.send(
        new SendMessageCommand({
          QueueUrl: stack.queues.input,
          MessageBody: typeof body === 'string' ? body : JSON.stringify(body),
        }),
      );
      return result.MessageId!;
    },
    async until(predicate, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        await drain(stack.queues.output, outputs);
        await drain(stack.queues.rejected, rejections);
        if (predicate()) return;
        if (Date.now() > deadline)
          throw new Error(`timed out: ${outputs.length} outputs, ${rejections.length} rejections`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async bootstrap({ profile = 'reference', extra = [] } = {}) {
      const rows = [...TRAINING_TICKETS, ...extra];
      const result = await bootstrapModel(store, registry, {
        texts: rows.map((r) => r.text),
        labels: rows.map((r) => r.label),
        sha256: 'test'.padEnd(64, '0'),
        source: 'test fixtures',
        profile,
        holdoutShare: 0.2,
      });
      return result.model.manifest.version;
    },
    stop: () => stack.stop(),
  };
}
