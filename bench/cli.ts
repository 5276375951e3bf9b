/**
 * `npm run bench:cli`: how long a person waits for the `triage` command, in
 * wall time of a fresh process (what a shell measures), beside `node -e 0`
 * (Node's own start) in the same run.
 *
 * Starts a local stack in this process (a data directory of its own, the demo
 * model in service, the stack file written as `npm start` writes it), then
 * spawns each command N times, round-robin so that the load of a shared
 * machine falls on every command alike, and prints the medians:
 *
 * - `node -e 0`: the floor;
 * - `triage --version`, `triage --help`: start-up of the CLI itself;
 * - `triage send "..."`: one ticket on the input queue, classified by the
 *   workflow, its result read back and printed.
 *
 * Goals (issue 13): `--help` at most 150 ms, one `send` at most 400 ms (medians).
 *
 * `--baseline <checkout>` also runs the `triage` of another checkout of the
 * project (e.g. a worktree of main) in the same rounds, against the same stack.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { createAwsClients } from '../src/aws/clients.ts';
import { table } from '../src/cli/output.ts';
import { readLabelledCsv } from '../src/data/labelled-csv.ts';
import { DEFAULT_PROFILE } from '../src/model/profiles.ts';
import { bootstrapModel } from '../src/operations/bootstrap.ts';
import { startLocalStack } from '../src/local-stack/local-stack.ts';
import { writeStackFile } from '../src/local-stack/stack-file.ts';
import { createStores } from '../src/storage/stores.ts';
import { projectPath } from '../src/workflows/catalog.ts';
import { saveBenchResult } from './results.ts';

const program = new Command('bench:cli')
  .description('wall time of `triage --help`, `--version` and one `send`, beside `node -e 0`')
  .option('--runs <n>', 'fresh processes per command (the median is reported)', '15')
  .option(
    '--baseline <checkout>',
    "also time another checkout's `triage` (e.g. a worktree of main), in the same rounds",
  )
  .option('--json', 'print only the JSON result')
  .parse(process.argv);
const opts = program.opts<{ runs: string; baseline?: string; json?: boolean }>();
const runs = Number(opts.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be a positive whole number');
const log = (line: string) => {
  if (!opts.json) console.error(line);
};

const GOALS: Record<string, number> = { 'triage --help': 150, 'triage send "…"': 400 };
const TRIAGE = projectPath('bin/triage.mjs');
const TICKET = 'my laptop will not boot after the windows update';

const dataDir = mkdtempSync(join(tmpdir(), 'triage-bench-cli-'));
const stack = await startLocalStack({ dataDir });
const stores = createStores(createAwsClients(stack.config), stack.config);
const demo = await readLabelledCsv(projectPath('data/demo-tickets.csv'));
const { model } = await bootstrapModel(stores.modelStore, stores.registry, {
  texts: demo.texts,
  labels: demo.labels,
  sha256: demo.sha256,
  source: 'data/demo-tickets.csv',
  profile: DEFAULT_PROFILE,
});
writeStackFile(dataDir, {
  pid: process.pid,
  startedAt: new Date().toISOString(),
  webUrl: stack.webUrl,
  environment: stack.environment,
});
log(`local stack up (model ${model.manifest.version}, data in ${dataDir})`);

interface Case {
  readonly name: string;
  readonly args: readonly string[];
  /** What a successful run prints first on stdout. */
  readonly expect: RegExp;
}
const triageCases = (label: string, triage: string): Case[] => [
  { name: `${label}triage --version`, args: [triage, '--version'], expect: /^\d+\.\d+\.\d+/ },
  { name: `${label}triage --help`, args: [triage, '--help'], expect: /^Usage: triage/ },
  { name: `${label}triage send "…"`, args: [triage, 'send', '--data-dir', dataDir, TICKET], expect: /^Hardware\s/ },
];
const CASES: readonly Case[] = [
  { name: 'node -e 0', args: ['-e', '0'], expect: /^$/ },
  ...triageCases('', TRIAGE),
  ...(opts.baseline ? triageCases('baseline ', join(resolve(opts.baseline), 'bin', 'triage.mjs')) : []),
];

interface Run {
  readonly ms: number;
  /** CPU time of the process (user + system): less swayed by other work on a shared machine than wall time. */
  readonly cpuMs: number;
  readonly ok: boolean;
  readonly detail: string;
}

/** Preloaded into each process: reports its CPU time on stderr as it exits. */
const CPU_REPORTER =
  "data:text/javascript,process.on('exit',()=>{const u=process.cpuUsage();process.stderr.write('\\n@cpu '+(u.user+u.system)/1000+'\\n')})";

/** One fresh process, timed from spawn to exit (asynchronously: the stack in this process keeps serving). */
function timed(args: readonly string[], expect: RegExp): Promise<Run> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['--import', CPU_REPORTER, ...args], {
      env: { ...process.env, TRIAGE_DEBUG: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - started;
      const cpuMs = Number(/\n@cpu ([\d.]+)\n/.exec(stderr)?.[1] ?? Number.NaN);
      stderr = stderr.replace(/\n@cpu [\d.]+\n/, '');
      const ok = code === 0 && expect.test(stdout);
      resolve({ ms, cpuMs, ok, detail: ok ? '' : `exit ${code}: ${(stderr || stdout).trim().split('\n')[0] ?? ''}` });
    });
  });
}

const results = new Map<string, Run[]>(CASES.map((c) => [c.name, []]));
log('warm-up round (not counted)...');
for (const c of CASES) await timed(c.args, c.expect);
for (let round = 0; round < runs; round++) {
  for (const c of CASES) results.get(c.name)!.push(await timed(c.args, c.expect));
  log(`round ${round + 1}/${runs}`);
}
await stack.stop();
rmSync(dataDir, { recursive: true, force: true });

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const median = (xs: number[]) => {
  const s = sorted(xs);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const floor = median(results.get('node -e 0')!.map((r) => r.ms));
const rows = CASES.map((c) => {
  const all = results.get(c.name)!;
  const ms = all.map((r) => r.ms);
  const failures = all.filter((r) => !r.ok);
  return {
    command: c.name,
    medianMs: median(ms),
    minMs: sorted(ms)[0]!,
    maxMs: sorted(ms).at(-1)!,
    vsNode: median(ms) / floor,
    cpuMedianMs: median(all.map((r) => r.cpuMs)),
    goalMs: GOALS[c.name] ?? null,
    failed: failures.length,
    ...(failures.length > 0 && { failure: failures[0]!.detail }),
  };
});

const output = { at: new Date().toISOString(), node: process.version, runs, rows };
const file = saveBenchResult('cli', output);
if (opts.json) console.log(JSON.stringify(output, null, 2));
else {
  console.log(
    `\n${table(
      ['command', 'median', 'min', 'max', '× node -e 0', 'CPU (median)', 'goal', 'failed runs'],
      rows.map((r) => [
        r.command,
        `${r.medianMs.toFixed(0)} ms`,
        `${r.minMs.toFixed(0)} ms`,
        `${r.maxMs.toFixed(0)} ms`,
        `${r.vsNode.toFixed(2)}×`,
        `${r.cpuMedianMs.toFixed(0)} ms`,
        r.goalMs === null ? '-' : `≤ ${r.goalMs} ms ${r.medianMs <= r.goalMs ? '(met)' : '(NOT met)'}`,
        r.failed === 0 ? '0' : `${r.failed} (${r.failure})`,
      ]),
    )}`,
  );
  console.log(
    `\n${runs} runs of each, round-robin; wall-time medians (min, max) and the median CPU time (user + system) of the process. JSON: ${file}`,
  );
}
