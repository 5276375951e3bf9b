/**
 * `npm run bench:pipeline`: tickets through the whole local pipeline (input
 * queue -> start-classification -> classify-ticket workflow -> output queue),
 * exactly as `npm start` runs it.
 *
 *  1. Drain: N messages (1% malformed, 1% duplicate deliveries) put on the
 *     queue first, then the poller starts; throughput from a full backlog and
 *     a full accounting: every input is exactly one result or one rejection.
 *  2. Latency: tickets sent at a steady rate below saturation; p50/p95 from
 *     send to the result arriving on the output queue.
 *
 * By default it compares durability on (`fsync`, what `npm start` does: every
 * acknowledgement waits for its group commit) and off (acknowledged before
 * written): one child process per run, the modes alternating for `--rounds`
 * rounds (the machine's load drifts; alternating spreads it over both), and
 * prints the median of each and their ratio. `--durability <mode>` runs one.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { Command } from 'commander';
import { createAwsClients } from '../src/aws/clients.ts';
import { workflowType as workflowTypeOption, type WorkflowType } from '../src/cli/options.ts';
import { table } from '../src/cli/output.ts';
import type { ClassifiedMessage, RejectedQueueMessage } from '../src/contracts/messages.ts';
import { readLabelledCsv } from '../src/data/labelled-csv.ts';
import { bootstrapModel } from '../src/operations/bootstrap.ts';
import { DURABILITY_LEVELS, type Durability } from '../src/local/journal.ts';
import { createStores } from '../src/storage/stores.ts';
import { startLocalStack } from '../src/local-stack/local-stack.ts';
import { SEMI_SPACE_MB } from '../src/local/heap.ts';
import { projectPath } from '../src/workflows/catalog.ts';
import { saveBenchResult } from './results.ts';

const program = new Command('bench:pipeline')
  .description('throughput and latency of the local pipeline, with a full accounting of every ticket')
  .option('--tickets <n>', 'tickets for the drain phase', '10000')
  .option('--rate <n>', 'tickets per second in the latency phase', '300')
  .option('--seconds <n>', 'length of the latency phase', '20')
  .option('--pollers <n>', 'input-queue pollers (as `npm start`)', '4')
  .option('--in-memory', 'no data directory (npm start persists to one)')
  .option('--durability <mode>', `one run with this durability (${DURABILITY_LEVELS.join(', ')})`)
  .option('--compare <modes>', 'durability modes to compare (runs alternate between them)', 'fsync,off')
  .option('--rounds <n>', 'runs per mode when comparing (medians are reported)', '3')
  .option('--workflow-type <type>', 'classify-ticket as STANDARD or EXPRESS', workflowTypeOption, 'STANDARD')
  .option('--json', 'print only the JSON result')
  .parse(process.argv);
const opts = program.opts<{
  tickets: string;
  rate: string;
  seconds: string;
  pollers: string;
  inMemory?: boolean;
  durability?: string;
  compare: string;
  rounds: string;
  workflowType: WorkflowType;
  json?: boolean;
}>();
const log = (line: string) => {
  if (!opts.json) console.error(line);
};

if (opts.durability === undefined && !opts.inMemory) {
  // Compare: one child process per mode, the same settings, back to back.
  const modes = opts.compare.split(',').map((m) => m.trim());
  const bad = modes.find((m) => !DURABILITY_LEVELS.includes(m as Durability));
  if (bad !== undefined) {
    console.error(`--compare: "${bad}" is not one of ${DURABILITY_LEVELS.join(', ')}`);
    process.exit(2);
  }
  const runs: { mode: string; output: PipelineOutput }[] = [];
  const rounds = Number(opts.rounds);
  for (let round = 1; round <= rounds; round++)
    for (const mode of modes) {
      log(`--- durability ${mode} (round ${round}/${rounds}) ---`);
      const child = spawnSync(
        process.execPath,
        [
          `--max-semi-space-size=${SEMI_SPACE_MB}`, // as npm start
          projectPath('bin/run-ts.mjs'),
          projectPath('bench/pipeline.ts'),
          '--durability',
          mode,
          '--json',
          '--tickets',
          opts.tickets,
          '--rate',
          opts.rate,
          '--seconds',
          opts.seconds,
          '--pollers',
          opts.pollers,
          '--workflow-type',
          opts.workflowType,
        ],
        { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 64 << 20 },
      );
      if (child.status !== 0 && child.stdout.trim() === '') {
        console.error(`the ${mode} run failed (exit ${child.status})`);
        process.exit(1);
      }
      const output = JSON.parse(child.stdout) as PipelineOutput;
      runs.push({ mode, output });
      log(
        `${mode}: ${output.drain.perSecond.toFixed(0)} tickets/s, p95 ${output.latency.p95Ms.toFixed(0)} ms, ${output.drain.accounted ? 'all accounted for' : 'ACCOUNTING MISMATCH'}`,
      );
    }
  const median = (values: number[]): number => {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  };
  const summary = modes.map((mode) => {
    const mine = runs.filter((r) => r.mode === mode).map((r) => r.output);
    return {
      mode,
      runs: mine.length,
      drainPerSecond: median(mine.map((o) => o.drain.perSecond)),
      drainPerSecondAll: mine.map((o) => Math.round(o.drain.perSecond)),
      secondHalfPerSecond: median(mine.map((o) => o.drain.secondHalfPerSecond)),
      cpuMsPerTicket: median(mine.map((o) => o.drain.cpuMsPerTicket)),
      p50Ms: median(mine.map((o) => o.latency.p50Ms)),
      p95Ms: median(mine.map((o) => o.latency.p95Ms)),
      accounted: mine.every((o) => o.drain.accounted),
    };
  });
  const base = summary.find((r) => r.mode === 'off');
  const result = {
    at: new Date().toISOString(),
    node: process.version,
    workflowType: opts.workflowType,
    summary,
    runs,
  };
  const file = saveBenchResult('pipeline-durability', result);
  if (opts.json) console.log(JSON.stringify(result, null, 2));
  else {
    console.log(
      '\n' +
        table(
          [
            'durability',
            'drain tickets/s (median)',
            'each run',
            'second half (median)',
            'vs off',
            'CPU-ms/ticket (median)',
            `p50 / p95 ms at ${opts.rate}/s (median)`,
            'accounted for',
          ],
          summary.map((r) => [
            r.mode,
            r.drainPerSecond.toFixed(0),
            r.drainPerSecondAll.join(' '),
            r.secondHalfPerSecond.toFixed(0),
            base ? `${((r.drainPerSecond / base.drainPerSecond) * 100).toFixed(0)}%` : '-',
            r.cpuMsPerTicket.toFixed(2),
            `${r.p50Ms.toFixed(0)} / ${r.p95Ms.toFixed(0)}`,
            r.accounted ? 'yes' : 'NO',
          ]),
        ),
    );
    console.log(`\ngoals with durability on: drain >= 500/s, p95 <= 150 ms at 300/s, every ticket accounted for`);
    console.log(`JSON: ${file}`);
  }
  process.exit(runs.every((r) => r.output.drain.accounted) ? 0 : 1);
}
const durability = (opts.durability ?? 'fsync') as Durability;
if (!DURABILITY_LEVELS.includes(durability)) {
  console.error(`--durability must be one of ${DURABILITY_LEVELS.join(', ')}`);
  process.exit(2);
}

const dataDir = opts.inMemory ? undefined : mkdtempSync(join(tmpdir(), 'triage-bench-pipeline-'));
const stack = await startLocalStack({
  ...(dataDir && { dataDir }),
  durability,
  eventSource: { pollers: Number(opts.pollers), enabled: false },
  classifyWorkflowType: opts.workflowType,
});
const clients = createAwsClients(stack.config);
const stores = createStores(clients, stack.config);
const demo = await readLabelledCsv(projectPath('data/demo-tickets.csv'));
const extra = await readLabelledCsv(projectPath('data/sample-stream.csv'));
const boot = await bootstrapModel(stores.modelStore, stores.registry, {
  texts: demo.texts,
  labels: demo.labels,
  sha256: demo.sha256,
  source: 'data/demo-tickets.csv',
  profile: 'linear-svm',
});
log(`model ${boot.model.manifest.version} in service; data in ${dataDir}`);
const texts = [...demo.texts, ...extra.texts];

/**
 * Reads everything that arrives on the output and rejected queues.
 *
 * During the drain it works as a consumer of a busy queue would (and as
 * Lambda's batching window does): after a receive that was not full it waits
 * `drainBatchWindowMs` before the next, so that it takes results ten at a
 * time. Otherwise it would make about one receive and one delete per four
 * results, CPU this process spends on the bench and not on the pipeline. The
 * last result of the drain is read at most that late. In the latency phase
 * it reads each result as soon as it arrives (the window is 0).
 */
class Collector {
  readonly results = new Map<string, { message: ClassifiedMessage; at: number }[]>();
  readonly rejections: RejectedQueueMessage[] = [];
  /** Results and rejections read so far. */
  count = 0;
  /** Wait after a receive that got fewer than 10 messages (ms). */
  batchWindowMs = 0;
  /** When `count` first reached `halfway` (performance.now()). */
  halfwayAt: number | undefined;
  private running = true;
  private readonly loops: Promise<void>[] = [];
  constructor(
    private readonly sqs: SQSClient,
    /** Results and rejections at half the drain. */
    readonly halfway: number,
  ) {
    for (let i = 0; i < 2; i++) this.loops.push(this.loop(stack.queues.output, true));
    this.loops.push(this.loop(stack.queues.rejected, false));
  }
  private async loop(queueUrl: string, results: boolean): Promise<void> {
    while (this.running) {
      const { Messages = [] } = await this.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      const at = performance.now();
      if (Messages.length === 0) continue;
      for (const m of Messages) {
        const body = JSON.parse(m.Body!) as ClassifiedMessage | RejectedQueueMessage;
        if (results) {
          const list = this.results.get((body as ClassifiedMessage).ticketId) ?? [];
          list.push({ message: body as ClassifiedMessage, at });
          this.results.set((body as ClassifiedMessage).ticketId, list);
        } else this.rejections.push(body as RejectedQueueMessage);
        if (++this.count === this.halfway) this.halfwayAt = at;
      }
      await this.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
        }),
      );
      if (Messages.length < 10 && this.batchWindowMs > 0 && this.running)
        await new Promise((r) => setTimeout(r, this.batchWindowMs));
    }
  }
  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }
}

async function sendBatch(bodies: string[]): Promise<void> {
  for (let i = 0; i < bodies.length; i += 10) {
    await clients.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: stack.queues.input,
        Entries: bodies.slice(i, i + 10).map((b, j) => ({ Id: String(j), MessageBody: b })),
      }),
    );
  }
}

// ---- 1. drain from a full backlog -------------------------------------------------------------
const total = Number(opts.tickets);
/** The collector's batching window during the drain (see Collector). */
const DRAIN_BATCH_WINDOW_MS = 50;
const malformedEvery = 100; // 1%
const duplicateEvery = 100; // 1%, offset so they don't coincide with malformed
const MALFORMED = [
  'this is not json',
  JSON.stringify({ ticketId: 'x', subject: 'no body' }),
  JSON.stringify({ body: 42 }),
  '[]',
];
const bodies: string[] = [];
const expected = { results: new Set<string>(), malformed: 0, duplicates: 0 };
for (let i = 0; i < total; i++) {
  if (i % malformedEvery === 7) {
    bodies.push(MALFORMED[i % MALFORMED.length]!.replace('"x"', `"bad-${i}"`));
    expected.malformed++;
  } else if (i % duplicateEvery === 53 && bodies.length > 0) {
    const earlier = bodies.findLast((b) => b.startsWith('{"ticketId":"drain-'))!;
    bodies.push(earlier);
    expected.duplicates++;
  } else {
    const ticketId = `drain-${i}`;
    bodies.push(JSON.stringify({ ticketId, body: texts[i % texts.length] }));
    expected.results.add(ticketId);
  }
}
log(
  `drain: sending ${total} messages (${expected.malformed} malformed, ${expected.duplicates} duplicate deliveries) before the poller starts...`,
);
const sendStart = performance.now();
await Promise.all([0, 1, 2, 3].map((k) => sendBatch(bodies.filter((_, i) => Math.floor(i / 10) % 4 === k))));
log(`  queued in ${((performance.now() - sendStart) / 1000).toFixed(1)} s`);

const collector = new Collector(clients.sqs, Math.ceil(total / 2));
collector.batchWindowMs = DRAIN_BATCH_WINDOW_MS;
const drainStart = performance.now();
const drainCpuStart = process.cpuUsage(); // every thread of the process
const drainLoopsStart = stack.runtime.eventLoopUtilization();
await stack.startEventSource();
let lastReport = drainStart;
while (collector.count < total) {
  await new Promise((r) => setTimeout(r, 50));
  if (performance.now() - lastReport > 2000) {
    lastReport = performance.now();
    log(
      `  ${collector.count}/${total} accounted for (${((collector.count / (lastReport - drainStart)) * 1000).toFixed(0)}/s); ${stack.runtime.stepFunctions.runningCount} executions running`,
    );
  }
  if (performance.now() - drainStart > 600_000) break;
}
const drainEnd = performance.now();
const drainSeconds = (drainEnd - drainStart) / 1000;
const drainLoops = stack.runtime.eventLoopUtilization();
/** The share of the drain a thread's event loop was busy (near 1: that thread limits throughput). */
const busyShare = (thread: keyof typeof drainLoops): number | undefined => {
  const [later, earlier] = [drainLoops[thread], drainLoopsStart[thread]];
  return later && earlier ? performance.eventLoopUtilization(later, earlier).utilization : undefined;
};
const eventLoopBusy = {
  main: busyShare('main')!,
  emulators: busyShare('emulators'),
  functions: busyShare('functions'),
};
log(
  `  event loops busy during the drain: main ${percent(eventLoopBusy.main)}, S3/SQS/DynamoDB ${percent(eventLoopBusy.emulators)}, Lambda functions ${percent(eventLoopBusy.functions)}`,
);
const instances = await stack.runtime.functions.instanceStats();
const rssMb = process.memoryUsage().rss / 1024 / 1024;
log(
  `  function instances (now / peak / cold starts / invocations that waited): ${Object.entries(instances)
    .filter(([, s]) => s.started > 0)
    .map(([name, s]) => `${name} ${s.instances}/${s.peak}/${s.started}/${s.waited}`)
    .join(', ')}`,
);
const drainCpu = process.cpuUsage(drainCpuStart);
await new Promise((r) => setTimeout(r, 1500)); // anything arriving late would be a duplicate
const dlq = await clients.sqs.send(
  new GetQueueAttributesCommand({
    QueueUrl: stack.queues.inputDeadLetter,
    AttributeNames: ['ApproximateNumberOfMessages'],
  }),
);

const lost = [...expected.results].filter((id) => !collector.results.has(id));
const duplicatedResults = [...collector.results.values()].filter((r) => r.length > 1).length;
const unexpected = [...collector.results.keys()].filter((id) => id.startsWith('drain-') && !expected.results.has(id));
const rejectedMalformed = collector.rejections.filter(
  (r) => r.kind === 'rejected' && !r.reason.startsWith('duplicate'),
).length;
const rejectedDuplicates = collector.rejections.filter(
  (r) => r.kind === 'rejected' && r.reason.startsWith('duplicate'),
).length;
const failures = collector.rejections.filter((r) => r.kind === 'failed').length;
const drain = {
  tickets: total,
  seconds: drainSeconds,
  perSecond: total / drainSeconds,
  /**
   * The second half of the drain alone (from when half the tickets were accounted for): the rate once
   * the functions' instances have started and V8 has compiled the hot code, which the whole drain
   * includes (see docs/benchmarks.md).
   */
  secondHalfPerSecond:
    collector.halfwayAt === undefined
      ? Number.NaN
      : (total - collector.halfway) / ((drainEnd - collector.halfwayAt) / 1000),
  /** CPU of the whole process (all threads, user + system) per input message, the bench's own collector included. */
  cpuMsPerTicket: (drainCpu.user + drainCpu.system) / 1000 / total,
  eventLoopBusy,
  results: collector.results.size,
  expectedResults: expected.results.size,
  rejectedMalformed,
  expectedMalformed: expected.malformed,
  rejectedDuplicates,
  expectedDuplicates: expected.duplicates,
  failures,
  lost: lost.length,
  duplicatedResults,
  unexpected: unexpected.length,
  deadLettered: Number(dlq.Attributes?.ApproximateNumberOfMessages ?? 0),
};
const accounted =
  drain.lost === 0 &&
  drain.duplicatedResults === 0 &&
  drain.unexpected === 0 &&
  rejectedMalformed === expected.malformed &&
  rejectedDuplicates === expected.duplicates &&
  failures === 0 &&
  drain.deadLettered === 0;
log(
  `drain: ${total} in ${drainSeconds.toFixed(1)} s = ${drain.perSecond.toFixed(0)} tickets/s (second half ${drain.secondHalfPerSecond.toFixed(0)}/s), ${drain.cpuMsPerTicket.toFixed(2)} CPU-ms per ticket; ${accounted ? 'every ticket accounted for exactly once' : 'ACCOUNTING MISMATCH'}`,
);

// ---- 2. latency at a steady rate --------------------------------------------------------------
const rate = Number(opts.rate);
const seconds = Number(opts.seconds);
const sentAt = new Map<string, number>();
log(`latency: ${rate} tickets/s for ${seconds} s...`);
collector.batchWindowMs = 0; // each result read as it arrives: its latency is measured when it is read
const latencyStart = performance.now();
let sent = 0;
const sends: Promise<void>[] = [];
while (performance.now() - latencyStart < seconds * 1000) {
  const due = Math.floor(((performance.now() - latencyStart) / 1000) * rate);
  while (sent + 10 <= due) {
    const batch = Array.from({ length: 10 }, (_, j) => {
      const ticketId = `steady-${sent + j}`;
      return { ticketId, body: JSON.stringify({ ticketId, body: texts[(sent + j) % texts.length] }) };
    });
    const at = performance.now();
    for (const b of batch) sentAt.set(b.ticketId, at);
    sends.push(
      clients.sqs
        .send(
          new SendMessageBatchCommand({
            QueueUrl: stack.queues.input,
            Entries: batch.map((b, j) => ({ Id: String(j), MessageBody: b.body })),
          }),
        )
        .then(() => undefined),
    );
    sent += 10;
  }
  await new Promise((r) => setTimeout(r, 5));
}
await Promise.all(sends);
const deadline = performance.now() + 30_000;
while ([...sentAt.keys()].some((id) => !collector.results.has(id)) && performance.now() < deadline)
  await new Promise((r) => setTimeout(r, 50));
await collector.stop();
const latencies = [...sentAt.entries()]
  .filter(([id]) => collector.results.has(id))
  .map(([id, at]) => collector.results.get(id)![0]!.at - at)
  .sort((a, b) => a - b);
const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
const latency = {
  rate,
  seconds,
  sent,
  received: latencies.length,
  p50Ms: q(0.5),
  p95Ms: q(0.95),
  p99Ms: q(0.99),
  maxMs: latencies[latencies.length - 1] ?? NaN,
};
log(
  `latency: p50 ${latency.p50Ms.toFixed(0)} ms, p95 ${latency.p95Ms.toFixed(0)} ms over ${latency.received}/${sent} tickets`,
);

await stack.stop();
if (dataDir) rmSync(dataDir, { recursive: true, force: true });

const output = {
  at: new Date().toISOString(),
  node: process.version,
  durability: dataDir ? durability : 'in-memory',
  pollers: Number(opts.pollers),
  workflowType: opts.workflowType,
  instances,
  rssMb,
  drain: { ...drain, accounted },
  latency,
  goals: { drainPerSecond: 500, p95Ms: 150, atRate: 300 },
};
const file = saveBenchResult('pipeline', output);
if (opts.json) console.log(JSON.stringify(output, null, 2));
else {
  console.log(
    '\n' +
      table(
        ['measure', 'value', 'goal'],
        [
          ['drain throughput (full backlog)', `${drain.perSecond.toFixed(0)} tickets/s`, '>= 500/s'],
          ['  its second half', `${drain.secondHalfPerSecond.toFixed(0)} tickets/s`, '-'],
          [
            '  event loops busy: main / servers / Lambda',
            [eventLoopBusy.main, eventLoopBusy.emulators, eventLoopBusy.functions].map(percent).join(' / '),
            '-',
          ],
          ['results / expected', `${drain.results} / ${drain.expectedResults}`, 'equal'],
          ['malformed rejected / sent', `${rejectedMalformed} / ${expected.malformed}`, 'equal'],
          ['duplicates rejected / sent', `${rejectedDuplicates} / ${expected.duplicates}`, 'equal'],
          [
            'lost / duplicated results / failures / DLQ',
            `${drain.lost} / ${drain.duplicatedResults} / ${failures} / ${drain.deadLettered}`,
            '0 / 0 / 0 / 0',
          ],
          [
            `send-to-result p50 / p95 at ${rate}/s`,
            `${latency.p50Ms.toFixed(0)} / ${latency.p95Ms.toFixed(0)} ms`,
            'p95 <= 150 ms',
          ],
        ],
      ),
  );
  console.log(`\nJSON: ${file}`);
}
process.exitCode = accounted ? 0 : 1;

function percent(share: number | undefined): string {
  return share === undefined ? '-' : `${(share * 100).toFixed(0)}%`;
}

interface PipelineOutput {
  readonly drain: {
    readonly perSecond: number;
    readonly secondHalfPerSecond: number;
    readonly cpuMsPerTicket: number;
    readonly accounted: boolean;
  };
  readonly latency: { readonly p50Ms: number; readonly p95Ms: number };
}
