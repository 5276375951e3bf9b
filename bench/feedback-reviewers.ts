/**
 * Worker thread of `bench:feedback`: the reviewers. It answers predictions
 * through its own AWS SDK clients against the local stack's endpoints, as
 * people at the review page would, so the SDK's client-side work runs on the
 * second core while the main thread serves DynamoDB.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createAwsClients } from '../src/aws/clients.ts';
import { parseConfig } from '../src/config.ts';
import type { FeedbackInput } from '../src/feedback/rules.ts';
import { createStores } from '../src/storage/stores.ts';

export interface ReviewerTask {
  readonly environment: Record<string, string>;
  readonly answers: readonly { readonly ticketId: string; readonly input: FeedbackInput }[];
  readonly knownCategories: readonly string[];
  readonly concurrency: number;
}

const task = workerData as ReviewerTask;
const config = parseConfig(task.environment);
const store = createStores(createAwsClients(config), config).feedback;
let next = 0;
await Promise.all(
  Array.from({ length: task.concurrency }, async () => {
    while (next < task.answers.length) {
      const { ticketId, input } = task.answers[next++]!;
      await store.submit(ticketId, input, task.knownCategories);
    }
  }),
);
parentPort!.postMessage({ done: task.answers.length });
