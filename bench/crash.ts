/**
 * `npm run bench:crash`: `kill -9` the local stack while it works, start it
 * again on the same data directory, and account for every ticket it had
 * acknowledged.
 *
 * Each scenario copies a data directory with a model in service, starts
 * `triage start` as a child process on random ports, sends N tickets in a
 * burst (SendMessageBatch, 4 in flight), kills it at the scenario's moment(s),
 * restarts it, sends one new ticket right after each restart (time until it
 * is classified), waits until the stack is idle and reads the output,
 * rejected and dead-letter queues to the end. Every acknowledged ticket must
 * have exactly one outcome: one result on the output queue or one record on
 * the rejected queue.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeStateMachineCommand, SFNClient } from '@aws-sdk/client-sfn';
import { Command } from 'commander';
import { workflowType as workflowTypeOption, type WorkflowType } from '../src/cli/options.ts';
import { table } from '../src/cli/output.ts';
import { readLabelledCsv } from '../src/data/labelled-csv.ts';
import { projectPath } from '../src/workflows/catalog.ts';
import { childClients, startChildStack, type ChildClients, type ChildStack } from './child-stack.ts';
import { saveBenchResult } from './results.ts';

const program = new Command('bench:crash')
  .description('kill -9 the local stack mid-work, restart it, and account for every acknowledged ticket')
  .option('--tickets <n>', 'tickets per scenario, sent in one burst', '2000')
  .option(
    '--workflow-type <type>',
    'classify-ticket as STANDARD or EXPRESS (passed to `triage start --workflow-type`)',
    workflowTypeOption,
    'STANDARD',
  )
  .option('--scenarios <names>', 'comma-separated subset of the scenarios (default: all)')
  .option('--keep', 'keep the data directories (printed)')
  .option('--json', 'print only the JSON result')
  .parse(process.argv);
const opts = program.opts<{
  tickets: string;
  workflowType: WorkflowType;
  scenarios?: string;
  keep?: boolean;
  json?: boolean;
}>();
const log = (line: string) => {
  if (!opts.json) console.error(line);
};
const workflowType = opts.workflowType;
const total = Number(opts.tickets);
if (!Number.isInteger(total) || total < 10) {
  console.error(`--tickets must be a whole number of at least 10, not "${opts.tickets}"`);
  process.exit(2);
}
/** How the child is started: `triage start --workflow-type <type>` (the runtime registers classify-ticket with it). */
const childOptions = { workflowType };

/** When to kill: after N acknowledged sends, once N results are on the output queue, N ms after a restart, or once every ticket has its outcome. */
type Kill =
  | { readonly when: 'sent'; readonly count: number }
  | { readonly when: 'results'; readonly count: number }
  | { readonly when: 'after-restart'; readonly ms: number }
  | { readonly when: 'done' };
interface Scenario {
  readonly name: string;
  readonly what: string;
  readonly kills: readonly Kill[];
}
const SCENARIOS: readonly Scenario[] = [
  { name: 'mid-send', what: 'half the burst acknowledged', kills: [{ when: 'sent', count: total / 2 }] },
  { name: 'drain-early', what: '10% of results published', kills: [{ when: 'results', count: total * 0.1 }] },
  { name: 'drain-mid', what: '50% of results published', kills: [{ when: 'results', count: total * 0.5 }] },
  { name: 'drain-late', what: '90% of results published', kills: [{ when: 'results', count: total * 0.9 }] },
  {
    name: 'in-recovery',
    what: '30% published, then again 300 ms after the restart',
    kills: [
      { when: 'results', count: total * 0.3 },
      { when: 'after-restart', ms: 300 },
    ],
  },
  { name: 'after-done', what: 'every ticket answered, then killed', kills: [{ when: 'done' }] },
];
const chosen = opts.scenarios ? SCENARIOS.filter((s) => opts.scenarios!.split(',').includes(s.name)) : SCENARIOS;
if (chosen.length === 0) {
  console.error(`no such scenario; choose from ${SCENARIOS.map((s) => s.name).join(', ')}`);
  process.exit(2);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const demo = await readLabelledCsv(projectPath('data/demo-tickets.csv'));
const ticketBody = (id: string, i: number): string =>
  JSON.stringify({ ticketId: id, body: demo.texts[i % demo.texts.length] });

const root = mkdtempSync(join(tmpdir(), 'triage-bench-crash-'));
const seed = join(root, 'seed');
log(`preparing a data directory with a model in service (${seed}) ...`);
{
  const stack = await startChildStack(seed, childOptions);
  const type = await registeredWorkflowType(stack.environment);
  if (type !== workflowType) {
    await stack.stop();
    console.error(
      `the local runtime registered classify-ticket as ${type}, not ${workflowType}: this build cannot run it as ${workflowType} locally`,
    );
    process.exit(2);
  }
  await stack.stop();
}

async function registeredWorkflowType(environment: Record<string, string>): Promise<string | undefined> {
  const sfn = new SFNClient({
    region: environment.AWS_REGION ?? 'us-east-1',
    endpoint: environment.AWS_ENDPOINT_URL_SFN ?? environment.AWS_ENDPOINT_URL,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    const machine = await sfn.send(
      new DescribeStateMachineCommand({ stateMachineArn: environment.CLASSIFY_STATE_MACHINE_ARN }),
    );
    return machine.type;
  } finally {
    sfn.destroy();
  }
}

interface Outcome {
  readonly scenario: string;
  readonly what: string;
  readonly sent: number;
  readonly acknowledged: number;
  readonly answered: number;
  readonly lost: number;
  readonly duplicated: number;
  readonly deadLettered: number;
  readonly restarts: number;
  /** Per restart: ms from spawn to ready, and from ready to the new ticket classified. */
  readonly restartMs: number[];
  readonly firstClassificationMs: (number | undefined)[];
  readonly lostIds: string[];
  readonly duplicatedIds: string[];
}

async function runScenario(scenario: Scenario, index: number): Promise<Outcome> {
  const dir = join(root, scenario.name);
  cpSync(seed, dir, { recursive: true });
  let stack: ChildStack = await startChildStack(dir, childOptions);
  let clients: ChildClients = childClients(stack.environment);
  const queues = () => ({
    input: stack.environment.INPUT_QUEUE_URL!,
    output: stack.environment.OUTPUT_QUEUE_URL!,
    rejected: stack.environment.REJECTED_QUEUE_URL!,
  });
  const acknowledged = new Set<string>();
  const ids = Array.from({ length: total }, (_, i) => `s${index}-${i}`);
  let killed = false;
  let sent = 0;

  // The burst: 4 SendMessageBatch calls in flight until done or the stack dies.
  const sender = (async () => {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (!killed && next < ids.length) {
        const batch = ids.slice(next, next + 10);
        next += batch.length;
        sent += batch.length;
        try {
          const ok = await clients.sendBatch(
            queues().input,
            batch.map((id) => ticketBody(id, Number(id.split('-')[1]))),
          );
          for (const i of ok) acknowledged.add(batch[i]!);
        } catch {
          return; // the stack is gone: what was not acknowledged was not sent
        }
      }
    };
    await Promise.all(Array.from({ length: 4 }, () => worker()));
  })();

  const restartMs: number[] = [];
  const firstClassificationMs: (number | undefined)[] = [];
  const probes: string[] = [];
  const probe = async (n: number): Promise<void> => {
    const id = `s${index}-probe-${n}`;
    const ready = performance.now();
    let ok: number[] = [];
    try {
      ok = await clients.sendBatch(queues().input, [ticketBody(id, n)]);
    } catch {
      // killed meanwhile
    }
    if (ok.length === 0) return;
    probes.push(id);
    acknowledged.add(id);
    const slot = firstClassificationMs.length;
    firstClassificationMs.push(undefined);
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && !killed) {
      const status = await clients.ticketStatus(id).catch(() => undefined);
      if (status === 'classified') {
        firstClassificationMs[slot] = performance.now() - ready;
        return;
      }
      await sleep(10);
    }
  };

  for (const [k, kill] of scenario.kills.entries()) {
    // Wait for the moment.
    if (kill.when === 'sent') {
      while (acknowledged.size < kill.count && sent < ids.length) await sleep(1);
    } else if (kill.when === 'results') {
      while ((await clients.queueDepth(queues().output)).visible < kill.count) await sleep(5);
    } else if (kill.when === 'after-restart') {
      await sleep(kill.ms);
    } else {
      await sender;
      await waitIdle(clients, queues(), acknowledged.size, 120_000);
    }
    killed = true;
    await stack.kill();
    log(`  ${scenario.name}: killed (${k + 1}/${scenario.kills.length}), ${acknowledged.size} acknowledged so far`);
    await sender;
    clients.destroy();
    stack = await startChildStack(dir, childOptions);
    clients = childClients(stack.environment);
    restartMs.push(stack.startMs);
    killed = false;
    const probing = probe(k);
    // The next kill (if it is timed from this restart) races the probe; otherwise wait for it.
    if (scenario.kills[k + 1]?.when !== 'after-restart') await probing;
  }

  // Quiet down, then read every queue to the end.
  await waitIdle(clients, queues(), acknowledged.size, 180_000);
  const outputs = await clients.readToEnd(queues().output);
  const rejected = await clients.readToEnd(queues().rejected);
  const dlq = await clients.readToEnd(stack.environment.INPUT_QUEUE_URL!.replace(/[^/]+$/, 'ticket-triage-input-dlq'));
  const counts = new Map<string, number>();
  for (const body of [...outputs, ...rejected]) {
    let ticketId: string | undefined;
    try {
      ticketId = (JSON.parse(body) as { ticketId?: string }).ticketId;
    } catch {
      // not ours
    }
    if (ticketId !== undefined) counts.set(ticketId, (counts.get(ticketId) ?? 0) + 1);
  }
  const lostIds = [...acknowledged].filter((id) => !counts.has(id));
  const duplicatedIds = [...acknowledged].filter((id) => (counts.get(id) ?? 0) > 1);
  await stack.stop();
  clients.destroy();
  if (!opts.keep) rmSync(dir, { recursive: true, force: true });
  return {
    scenario: scenario.name,
    what: scenario.what,
    sent,
    acknowledged: acknowledged.size - probes.length,
    answered: [...acknowledged].filter((id) => counts.has(id)).length - probes.filter((p) => counts.has(p)).length,
    lost: lostIds.length,
    duplicated: duplicatedIds.length,
    deadLettered: dlq.length,
    restarts: restartMs.length,
    restartMs,
    firstClassificationMs,
    lostIds: lostIds.slice(0, 20),
    duplicatedIds: duplicatedIds.slice(0, 20),
  };
}

/**
 * Waits until the input queue is empty and nothing is in flight, and the
 * output and rejected queues together hold at least `expected` messages and
 * stop growing (or until the timeout).
 */
async function waitIdle(
  clients: ChildClients,
  queues: { input: string; output: string; rejected: string },
  expected: number,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = -1;
  let stableSince = Date.now();
  while (Date.now() < deadline) {
    const [input, output, rejected] = await Promise.all([
      clients.queueDepth(queues.input),
      clients.queueDepth(queues.output),
      clients.queueDepth(queues.rejected),
    ]);
    const answered = output.visible + rejected.visible;
    if (answered !== last) {
      last = answered;
      stableSince = Date.now();
    }
    const idle = input.visible + input.inFlight === 0;
    if (idle && answered >= expected && Date.now() - stableSince > 2000) return;
    await sleep(100);
  }
}

const outcomes: Outcome[] = [];
for (const [i, scenario] of chosen.entries()) {
  log(`scenario ${scenario.name}: ${scenario.what} ...`);
  const outcome = await runScenario(scenario, i);
  log(
    `  ${outcome.acknowledged} acknowledged, ${outcome.lost} lost, ${outcome.duplicated} duplicated, ${outcome.deadLettered} dead-lettered`,
  );
  outcomes.push(outcome);
}
if (!opts.keep) rmSync(root, { recursive: true, force: true });

const ms = (v: number | undefined) => (v === undefined ? '-' : `${Math.round(v)}`);
const result = {
  at: new Date().toISOString(),
  workflowType,
  tickets: total,
  outcomes,
  totals: {
    acknowledged: outcomes.reduce((s, o) => s + o.acknowledged, 0),
    lost: outcomes.reduce((s, o) => s + o.lost, 0),
    duplicated: outcomes.reduce((s, o) => s + o.duplicated, 0),
    newTicketClassifiedAfterEveryRestart: outcomes.every((o) =>
      o.firstClassificationMs.every((v, i) => v !== undefined || o.restartMs.length > i + 1),
    ),
  },
};
if (opts.json) console.log(JSON.stringify(result, null, 2));
else {
  console.log(
    `\nbench:crash: ${total} tickets per scenario, classify-ticket ${workflowType}, kill -9, restart on the same data dir\n`,
  );
  console.log(
    table(
      [
        'kill point',
        'when',
        'acknowledged',
        'outcomes',
        'lost',
        'duplicated',
        'dead-lettered',
        'restart ms',
        'first new classification ms',
      ],
      outcomes.map((o) => [
        o.scenario,
        o.what,
        o.acknowledged,
        o.answered,
        o.lost,
        o.duplicated,
        o.deadLettered,
        o.restartMs.map(ms).join(' / '),
        o.firstClassificationMs.map(ms).join(' / '),
      ]),
    ),
  );
  console.log(
    `\ntotal: ${result.totals.acknowledged} acknowledged, ${result.totals.lost} lost, ${result.totals.duplicated} duplicated; ` +
      `a new ticket classified after every restart: ${result.totals.newTicketClassifiedAfterEveryRestart ? 'yes' : 'NO'}`,
  );
  for (const o of outcomes) {
    if (o.lostIds.length > 0) console.log(`  ${o.scenario} lost: ${o.lostIds.join(', ')}`);
    if (o.duplicatedIds.length > 0) console.log(`  ${o.scenario} duplicated: ${o.duplicatedIds.join(', ')}`);
  }
  console.log(`(saved to ${saveBenchResult('crash', result)})`);
}
process.exitCode = result.totals.lost + result.totals.duplicated > 0 ? 1 : 0;
