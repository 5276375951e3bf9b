/**
 * `npm run bench:feedback`: does learning from feedback work, end to end?
 *
 * On the Endava tickets (read in place from the shared folder, never copied):
 *  1. a local stack in a temp dir; a first model bootstrapped on HALF of the
 *     official training split (the other half held back);
 *  2. the other half sent through the real pipeline (input queue -> the
 *     classify-ticket workflow -> output queue), each prediction answered with
 *     its true label as feedback;
 *  3. the retrain-model workflow run: the candidate must be promoted, with a
 *     measurable gain on the official test split;
 *  4. a like-for-like repeat with the labels of the same feedback shuffled:
 *     the model in service is rolled back to the first model, the feedback
 *     re-submitted with shuffled labels, retraining run again: the candidate
 *     must be rejected, the model in service untouched.
 * Accuracy on the official test split is measured in-process with the model
 * files from S3. Prints a table, writes JSON to bench/results/, exits 1 when
 * an expectation fails.
 *
 *   npm run bench:feedback [-- --keep] [--in-memory] [--json]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { Command } from 'commander';
import { createAwsClients } from '../src/aws/clients.ts';
import { percent, table } from '../src/cli/output.ts';
import type { ClassifiedMessage, RejectedQueueMessage } from '../src/contracts/messages.ts';
import { computeMetrics, type Metrics } from '../src/model/metrics.ts';
import { DEFAULT_PROFILE } from '../src/model/profiles.ts';
import { seededRandom, shuffleInPlace } from '../src/model/random.ts';
import { bootstrapModel } from '../src/operations/bootstrap.ts';
import { rollback } from '../src/operations/models.ts';
import {
  classifyAll,
  loadStoredClassifier,
  readEvaluation,
  type EvaluationReport,
} from '../src/retraining/evaluate.ts';
import { describeRun, startRetrain, type RunDetail } from '../src/workflows/runs.ts';
import { startLocalStack, type LocalStack } from '../src/local-stack/local-stack.ts';
import type { FeedbackInput } from '../src/feedback/rules.ts';
import { createStores } from '../src/storage/stores.ts';
import { loadEndavaOrSkip } from './endava.ts';
import type { ReviewerTask } from './feedback-reviewers.ts';
import { saveBenchResult } from './results.ts';

const program = new Command('bench:feedback')
  .description('feedback -> retrain -> promote on the Endava tickets; shuffled feedback must be rejected')
  .option('--keep', 'keep the temporary data directory')
  .option('--in-memory', 'run the stack without a data directory (no persistence, unlike `npm start`)')
  .option('--json', 'print only the JSON result')
  .parse(process.argv);
const opts = program.opts<{ keep?: boolean; inMemory?: boolean; json?: boolean }>();
const log = (line: string) => {
  if (!opts.json) console.error(line);
};
const seconds = (since: number) => (performance.now() - since) / 1000;

const { data, split } = await loadEndavaOrSkip('bench:feedback');
const labels = [...new Set(data.labels)];

// The official training split, halved (seeded): the first half makes the first model, the second becomes feedback.
const trainRows = [...split.train];
shuffleInPlace(trainRows, seededRandom(2024));
const firstHalf = trainRows.slice(0, Math.floor(trainRows.length / 2));
const secondHalf = trainRows.slice(firstHalf.length);
const testTexts = split.test.map((i) => data.texts[i]!);
const testLabels = split.test.map((i) => data.labels[i]!);
const ticketIdOf = (row: number) => `E-${row}`;
const rowOf = new Map(secondHalf.map((row) => [ticketIdOf(row), row]));
log(
  `Endava: ${data.texts.length} tickets; training split ${split.train.length} = ${firstHalf.length} for the first model + ${secondHalf.length} sent as tickets; test split ${split.test.length}`,
);

const workDir = mkdtempSync(join(tmpdir(), 'triage-bench-feedback-'));
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
const started = performance.now();
const stack: LocalStack = await startLocalStack({
  ...(!opts.inMemory && { dataDir: join(workDir, 'data') }),
  settings: { RETRAIN_SCHEDULE: 'off' },
  eventSource: { pollers: 4, batchSize: 10, visibilityTimeoutSeconds: 60 },
});
const clients = createAwsClients(stack.config);
const { modelStore: store, registry } = createStores(clients, stack.config);
const retrainArn = stack.stateMachines['retrain-model']!;

async function testMetrics(version: string): Promise<Metrics> {
  const model = await loadStoredClassifier(store, version);
  const [predicted] = classifyAll([model], testTexts);
  return computeMetrics(testLabels, predicted!, model.manifest.labels);
}

/** Runs concurrent workers over items. */
async function pool<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await work(items[i]!, i);
      }
    }),
  );
}

async function runRetrain(label: string): Promise<{
  run: RunDetail;
  evaluation: EvaluationReport | null;
  seconds: number;
  stepSeconds: Record<string, number>;
}> {
  const t0 = performance.now();
  const { executionName, executionArn } = await startRetrain(clients.sfn, retrainArn, { trigger: 'bench' });
  log(`${label}: retraining run ${executionName} ...`);
  await stack.runtime.stepFunctions.waitForExecution(executionArn);
  const run = await describeRun(clients.sfn, retrainArn, executionName);
  const stepSeconds = Object.fromEntries(
    (run.steps ?? [])
      .filter((s) => s.type === 'Task' && s.exitedAt)
      .map((s) => [s.name, (Date.parse(s.exitedAt!) - Date.parse(s.enteredAt)) / 1000]),
  );
  const key = (run.output as { evaluationKey?: string } | undefined)?.evaluationKey;
  const evaluation = key ? await readEvaluation(store, key) : null;
  log(
    `${label}: ${run.status} ${run.outcome ?? ''} in ${seconds(t0).toFixed(1)} s (${Object.entries(stepSeconds)
      .map(([k, v]) => `${k} ${v.toFixed(1)} s`)
      .join(', ')})`,
  );
  return { run, evaluation, seconds: seconds(t0), stepSeconds };
}

let exitCode = 0;
try {
  // 1. The first model, on half the training split.
  let t0 = performance.now();
  log(`bootstrapping a ${DEFAULT_PROFILE} model on ${firstHalf.length} tickets ...`);
  const boot = await bootstrapModel(store, registry, {
    texts: firstHalf.map((i) => data.texts[i]!),
    labels: firstHalf.map((i) => data.labels[i]!),
    sha256: data.sha256,
    source: 'Endava training split, first half (bench:feedback)',
    profile: DEFAULT_PROFILE,
  });
  const v1 = boot.model.manifest.version;
  const bootstrapSeconds = seconds(t0);
  const before = await testMetrics(v1);
  log(`model ${v1}: ${percent(before.accuracy)} on the test split (bootstrapped in ${bootstrapSeconds.toFixed(1)} s)`);

  // 2. The other half through the real pipeline.
  t0 = performance.now();
  const outputs = new Map<string, ClassifiedMessage>();
  const rejections: RejectedQueueMessage[] = [];
  const total = secondHalf.length;
  let sendingDone = false;
  // Flow control: at most MAX_IN_FLIGHT tickets between the input queue and the output queue (a long
  // backlog makes every SQS receive and the queue snapshots of the local runtime slower).
  const MAX_IN_FLIGHT = 600;
  let sent = 0;
  const sending = pool(
    Array.from({ length: Math.ceil(total / 10) }, (_, b) => secondHalf.slice(b * 10, b * 10 + 10)),
    4,
    async (batch) => {
      while (sent - (outputs.size + rejections.length) >= MAX_IN_FLIGHT) await new Promise((r) => setTimeout(r, 20));
      sent += batch.length;
      await clients.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: stack.queues.input,
          Entries: batch.map((row, j) => ({
            Id: String(j),
            MessageBody: JSON.stringify({ ticketId: ticketIdOf(row), text: data.texts[row]! }),
          })),
        }),
      );
    },
  ).then(() => {
    sendingDone = true;
  });
  const drain = async (queueUrl: string, onMessage: (body: unknown) => void) => {
    while (outputs.size + rejections.length < total) {
      const { Messages = [] } = await clients.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      if (Messages.length === 0) continue;
      for (const m of Messages) onMessage(JSON.parse(m.Body!));
      await clients.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
        }),
      );
    }
  };
  const progressTimer = setInterval(
    () =>
      log(
        `  pipeline: ${outputs.size.toLocaleString('en')} / ${total.toLocaleString('en')} classified${sendingDone ? '' : ' (still sending)'}, ${(outputs.size / seconds(t0)).toFixed(0)}/s`,
      ),
    5000,
  );
  await Promise.all([
    sending,
    drain(stack.queues.output, (m) => outputs.set((m as ClassifiedMessage).ticketId, m as ClassifiedMessage)),
    drain(stack.queues.output, (m) => outputs.set((m as ClassifiedMessage).ticketId, m as ClassifiedMessage)),
    drain(stack.queues.rejected, (m) => rejections.push(m as RejectedQueueMessage)),
  ]);
  clearInterval(progressTimer);
  const pipelineSeconds = seconds(t0);
  const pipelineAccuracy =
    [...outputs.values()].filter((o) => o.category === data.labels[rowOf.get(o.ticketId)!]).length / outputs.size;
  log(
    `pipeline: ${outputs.size} classified, ${rejections.length} rejected in ${pipelineSeconds.toFixed(1)} s (${(total / pipelineSeconds).toFixed(0)} tickets/s); the first model was right on ${percent(pipelineAccuracy)}`,
  );

  // 3. Feedback: each prediction answered with the true label, by a worker thread (the reviewers).
  const answer = async (
    labelOf: (ticketId: string) => string,
    by: string,
  ): Promise<{ confirmed: number; corrected: number; seconds: number }> => {
    const t = performance.now();
    const answers = [...outputs.values()].map((o) => {
      const label = labelOf(o.ticketId);
      const input: FeedbackInput =
        label === o.category ? { verdict: 'confirmed', by } : { verdict: 'corrected', category: label, by };
      return { ticketId: o.ticketId, input };
    });
    const task: ReviewerTask = { environment: stack.environment, answers, knownCategories: labels, concurrency: 16 };
    // The worker loads TypeScript through tsx, as bin/run-ts.mjs does for this file.
    const bootstrap = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then(({ register }) => { register(); return import(${JSON.stringify(new URL('./feedback-reviewers.ts', import.meta.url).href)}); })`;
    const worker = new Worker(bootstrap, { eval: true, workerData: task });
    await new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('error', reject);
      worker.once('exit', (code) =>
        code === 0 ? resolve() : reject(new Error(`the reviewers' worker exited with code ${code}`)),
      );
    });
    await worker.terminate();
    const confirmed = answers.filter((a) => a.input.verdict === 'confirmed').length;
    return { confirmed, corrected: answers.length - confirmed, seconds: seconds(t) };
  };
  const trueFeedback = await answer((ticketId) => data.labels[rowOf.get(ticketId)!]!, 'bench (true labels)');
  log(
    `feedback: ${trueFeedback.confirmed} confirmed, ${trueFeedback.corrected} corrected in ${trueFeedback.seconds.toFixed(1)} s (${((trueFeedback.confirmed + trueFeedback.corrected) / trueFeedback.seconds).toFixed(0)}/s)`,
  );

  const helpful = await runRetrain('true labels');
  const v2 = helpful.run.candidateVersion;
  const after = v2 ? await testMetrics(v2) : null;
  const inServiceAfterHelpful = (await registry.inService())!.modelVersion;

  // 4. The same, with the feedback labels shuffled, against the same first model.
  t0 = performance.now();
  const rolledBack = inServiceAfterHelpful !== v1 ? await rollback({ registry }, { by: 'bench:feedback' }) : null;
  const ids = [...outputs.keys()].sort();
  const shuffledLabels = ids.map((id) => data.labels[rowOf.get(id)!]!);
  shuffleInPlace(shuffledLabels as unknown as number[], seededRandom(7));
  const shuffledOf = new Map(ids.map((id, i) => [id, shuffledLabels[i]!]));
  const agreeing = ids.filter((id) => shuffledOf.get(id) === data.labels[rowOf.get(id)!]).length / ids.length;
  const shuffledFeedback = await answer((id) => shuffledOf.get(id)!, 'bench (shuffled labels)');
  log(
    `shuffled feedback (${percent(agreeing)} of labels still right by chance) re-submitted in ${seconds(t0).toFixed(1)} s${rolledBack ? `, after rolling back to ${rolledBack.version}` : ''}`,
  );
  const pointerBeforeShuffled = await registry.inService();
  const noisy = await runRetrain('shuffled labels');
  const v3 = noisy.run.candidateVersion;
  const noisyMetrics = v3 ? await testMetrics(v3) : null;
  const pointerAfterShuffled = await registry.inService();
  const untouched = JSON.stringify(pointerAfterShuffled) === JSON.stringify(pointerBeforeShuffled);

  // Expectations.
  const gain = after ? after.accuracy - before.accuracy : 0;
  const checks = [
    {
      check: 'true-label feedback: candidate promoted',
      ok: helpful.run.outcome === 'promoted' && inServiceAfterHelpful === v2,
    },
    { check: 'true-label feedback: test accuracy gain >= 0.5 pt', ok: gain >= 0.005 },
    { check: 'shuffled feedback: candidate rejected', ok: noisy.run.outcome === 'rejected' },
    { check: 'shuffled feedback: model in service untouched', ok: untouched },
  ];
  if (checks.some((c) => !c.ok)) exitCode = 1;

  const scenario = (
    name: string,
    fb: typeof trueFeedback,
    r: Awaited<ReturnType<typeof runRetrain>>,
    test: Metrics | null,
  ) => ({
    scenario: name,
    feedback: { confirmed: fb.confirmed, corrected: fb.corrected, writeSeconds: fb.seconds },
    run: {
      executionName: r.run.executionName,
      status: r.run.status,
      outcome: r.run.outcome ?? null,
      reason: r.run.reason ?? null,
      seconds: r.seconds,
      stepSeconds: r.stepSeconds,
    },
    candidateVersion: r.run.candidateVersion ?? null,
    gate: r.evaluation
      ? {
          holdoutRows: r.evaluation.holdout.rows,
          baseHoldoutRows: r.evaluation.holdout.baseRows,
          feedbackHoldoutRows: r.evaluation.holdout.feedbackRows,
          candidate: { accuracy: r.evaluation.candidate.accuracy, macroF1: r.evaluation.candidate.macroF1 },
          inService: r.evaluation.inService
            ? { accuracy: r.evaluation.inService.accuracy, macroF1: r.evaluation.inService.macroF1 }
            : null,
          bySource: r.evaluation.bySource,
        }
      : null,
    testSplit: test
      ? {
          accuracy: test.accuracy,
          macroF1: test.macroF1,
          accuracyGain: test.accuracy - before.accuracy,
          macroF1Gain: test.macroF1 - before.macroF1,
        }
      : null,
  });
  const result = {
    at: new Date().toISOString(),
    node: process.version,
    profile: DEFAULT_PROFILE,
    persistence: opts.inMemory ? 'in memory' : 'data directory (temp)',
    dataset: {
      rows: data.texts.length,
      firstModelRows: firstHalf.length,
      feedbackTickets: secondHalf.length,
      test: split.test.length,
    },
    firstModel: {
      version: v1,
      bootstrapSeconds,
      holdout: { accuracy: boot.holdoutMetrics.accuracy, macroF1: boot.holdoutMetrics.macroF1 },
      testSplit: { accuracy: before.accuracy, macroF1: before.macroF1 },
    },
    pipeline: {
      classified: outputs.size,
      rejected: rejections.length,
      seconds: pipelineSeconds,
      ticketsPerSecond: total / pipelineSeconds,
      firstModelAccuracyOnTickets: pipelineAccuracy,
    },
    scenarios: [
      scenario('true labels', trueFeedback, helpful, after),
      {
        ...scenario('shuffled labels', shuffledFeedback, noisy, noisyMetrics),
        labelsRightByChance: agreeing,
        comparedAfterRollbackTo: rolledBack?.version ?? v1,
      },
    ],
    checks,
    totalSeconds: seconds(started),
  };
  const file = saveBenchResult('feedback', result);

  if (opts.json) {
    console.log(JSON.stringify(result, null, 2));
  } else {
    const row = (s: ReturnType<typeof scenario>) => [
      s.scenario,
      `${s.feedback.confirmed + s.feedback.corrected} (${s.feedback.corrected} corrections)`,
      s.run.outcome ?? s.run.status,
      s.gate ? `${percent(s.gate.candidate.accuracy)} vs ${percent(s.gate.inService?.accuracy ?? 0)}` : '-',
      percent(before.accuracy),
      s.testSplit ? percent(s.testSplit.accuracy) : '-',
      s.testSplit
        ? `${s.testSplit.accuracyGain >= 0 ? '+' : ''}${(s.testSplit.accuracyGain * 100).toFixed(2)} pt`
        : '-',
      s.testSplit ? `${percent(before.macroF1)} -> ${percent(s.testSplit.macroF1)}` : '-',
      `${s.run.seconds.toFixed(1)} s`,
    ];
    console.log(
      '\n' +
        table(
          [
            'feedback labels',
            'feedback',
            'outcome',
            'gate holdout acc (cand. vs in service)',
            'test acc before',
            'test acc after',
            'gain',
            'test macro-F1',
            'retrain run',
          ],
          result.scenarios.map(row),
        ),
    );
    console.log(
      `\nfirst model ${v1} (${firstHalf.length} tickets); pipeline ${outputs.size} tickets in ${pipelineSeconds.toFixed(1)} s (${result.pipeline.ticketsPerSecond.toFixed(0)}/s); total ${result.totalSeconds.toFixed(0)} s`,
    );
    for (const c of checks) console.log(`${c.ok ? 'PASS' : 'FAIL'}  ${c.check}`);
    console.log(`\nJSON: ${file}`);
  }
} finally {
  await stack.stop();
  if (opts.keep) log(`data directory kept: ${workDir}`);
  else rmSync(workDir, { recursive: true, force: true });
}
process.exitCode = exitCode;
