import { DeleteMessageBatchCommand, ReceiveMessageCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { startTestStack, type TestStack } from '../support/local-stack.ts';

/**
 * 120 messages whose execution can never start and 480 long valid ones, mixed
 * in the same batches, through 4 pollers into the real start-classification
 * handler (its module-level BatchProcessor included). Each instance serves one
 * batch at a time, as on Lambda, so each message has exactly one outcome: a
 * result, or (after maxReceiveCount receives) the dead-letter queue with the
 * reason logged; and no batch response ever names an item of another batch.
 */
const FAILING = 120;
const VALID = 480;
const warnings: string[] = [];
let t: TestStack;

beforeAll(async () => {
  t = await startTestStack({
    functionModules: {
      'start-classification': fileURLToPath(new URL('./fixtures/start-classification-failing.ts', import.meta.url)),
    },
    // The visibility timeout stays well above a batch's duration (as AWS advises), else a slow valid message comes back too.
    eventSource: { pollers: 4, batchSize: 10, visibilityTimeoutSeconds: 6, maxReceiveCount: 3 },
    logger: {
      info() {},
      warn(message: string) {
        warnings.push(message);
      },
      error(message: string) {
        warnings.push(message);
      },
    } as never,
  });
  await t.bootstrap();
}, 60_000);

afterAll(async () => t?.stop());

async function drainDeadLetters(into: string[]): Promise<void> {
  const { sqs } = t.clients;
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: t.stack.queues.inputDeadLetter, MaxNumberOfMessages: 10 }),
    );
    if (Messages.length === 0) return;
    for (const m of Messages) into.push(JSON.parse(m.Body!).ticketId);
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: t.stack.queues.inputDeadLetter,
        Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
      }),
    );
  }
}

describe('failing and valid messages in the same batches, 4 pollers', () => {
  it('every message has exactly one outcome, and no batch fails as a whole', async () => {
    const text = 'the laptop does not boot after the update and the screen stays black '.repeat(40); // ~2.8 KB
    const bodies = Array.from({ length: FAILING + VALID }, (_, i) =>
      i % 5 === 0
        ? JSON.stringify({ ticketId: `F-${i}`, body: `always-fail ${text}` })
        : JSON.stringify({ ticketId: `V-${i}`, body: `${text} ${i}` }),
    );
    const started = performance.now();
    for (let i = 0; i < bodies.length; i += 10) {
      await t.clients.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: t.stack.queues.input,
          Entries: bodies.slice(i, i + 10).map((MessageBody, j) => ({ Id: String(j), MessageBody })),
        }),
      );
    }
    const deadLettered: string[] = [];
    await t.until(() => t.outputs.length >= VALID, 120_000);
    const deadline = Date.now() + 60_000;
    while (deadLettered.length < FAILING && Date.now() < deadline) {
      await drainDeadLetters(deadLettered);
      await new Promise((r) => setTimeout(r, 200));
    }
    await new Promise((r) => setTimeout(r, 2_000)); // anything late would be a second outcome
    await t.until(() => true);
    await drainDeadLetters(deadLettered);
    const seconds = (performance.now() - started) / 1000;

    const results = t.outputs.map((o) => o.ticketId);
    const wholeBatchFailures = warnings.filter((w) => /whole batch/.test(w)).length;
    const instances = (await t.stack.runtime.functions.instanceStats())['start-classification'];
    console.log(
      `${FAILING} failing + ${VALID} valid through 4 pollers in ${seconds.toFixed(1)} s: ` +
        `${new Set(results).size} results (${results.length} messages), ${new Set(deadLettered).size} dead-lettered (${deadLettered.length} messages), ` +
        `${t.rejections.length} rejections, ${wholeBatchFailures} whole-batch failures; start-classification instances: ${JSON.stringify(instances)}`,
    );
    expect(wholeBatchFailures).toBe(0);
    expect(results).toHaveLength(VALID);
    expect(new Set(results).size).toBe(VALID);
    expect(results.every((id) => id.startsWith('V-'))).toBe(true);
    expect(deadLettered).toHaveLength(FAILING);
    expect(new Set(deadLettered).size).toBe(FAILING);
    expect(deadLettered.every((id) => id.startsWith('F-'))).toBe(true);
    expect(t.rejections).toEqual([]);
    expect(instances!.peak).toBeGreaterThan(1);
  }, 240_000);
});
