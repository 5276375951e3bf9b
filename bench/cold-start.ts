/**
 * `npm run bench:cold-start`: what a Lambda cold start costs each function of
 * the classification (start-classification and every step of classify-ticket).
 * Every handler is bundled exactly as CDK deploys it; each is then loaded by a
 * FRESH Node process that imports the bundle and handles its first event
 * (which loads what the step needs: the model version from S3, here the local
 * S3 of a local stack, or the DynamoDB and SQS clients), then a second one (warm).
 * The review API is measured too: its first event is an admin putting a version
 * in service, which loads and checks the whole artifact (what its memory size
 * must allow).
 *
 * The model is the Endava-sized `reference` profile (343k n-grams) when the
 * dataset is present, else the demo model.
 *
 * Goals (issue 13): startup bundle at most 400 KiB and module load at most 40 ms
 * for every classification function (the review API is not one of them). `node -e 0` (a fresh Node process doing
 * nothing) is timed in the same run, to tell a slow machine from a slow bundle.
 *
 * `--baseline <checkout>` also bundles and measures the same handlers from
 * another checkout of the project (e.g. a worktree of main), in the same run.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { Command } from 'commander';
import { bundleHandler, bundleSizes } from '../infra/functions/bundling.ts';
import { createAwsClients } from '../src/aws/clients.ts';
import { table } from '../src/cli/output.ts';
import { readLabelledCsv } from '../src/data/labelled-csv.ts';
import { bootstrapModel } from '../src/operations/bootstrap.ts';
import { createStores } from '../src/storage/stores.ts';
import { startLocalStack } from '../src/local-stack/local-stack.ts';
import { projectPath } from '../src/workflows/catalog.ts';
import { handler as preprocess } from '../handlers/preprocess-ticket.ts';
import { handler as vectorize } from '../handlers/vectorize-ticket.ts';
import { MODEL_FILES } from '../src/model/artifact.ts';
import { sqsEvent, sqsRecord } from '../test/support/lambda.ts';
import { ENDAVA_CSV } from './endava.ts';
import { saveBenchResult } from './results.ts';

const program = new Command('bench:cold-start')
  .description(
    'bundle size, module load and first-event time of each classification Lambda (and the review API) in a fresh process',
  )
  .option('--runs <n>', 'fresh processes per handler (the median is reported)', '5')
  .option('--baseline <checkout>', 'also measure the handlers of another checkout of the project, in the same run')
  .option('--json', 'print only the JSON result')
  .parse(process.argv);
const opts = program.opts<{ runs: string; baseline?: string; json?: boolean }>();
const log = (line: string) => {
  if (!opts.json) console.error(line);
};
const GOAL = { startupKiB: 400, importMs: 40 };

const stack = await startLocalStack({ eventSource: { enabled: false } });
const clients = createAwsClients(stack.config);
const stores = createStores(clients, stack.config);
const endava = existsSync(ENDAVA_CSV);
const data = await readLabelledCsv(
  endava ? ENDAVA_CSV : projectPath('data/demo-tickets.csv'),
  endava ? { textColumn: 'Document', labelColumn: 'Topic_group' } : {},
);
log(`training the ${endava ? 'Endava-sized reference' : 'demo'} model...`);
const { model } = await bootstrapModel(stores.modelStore, stores.registry, {
  texts: data.texts,
  labels: data.labels,
  sha256: data.sha256,
  source: endava ? 'endava' : 'demo',
  profile: 'reference',
});
const modelVersion = model.manifest.version;
const partBytes = model.manifest.parts.vectorizer.bytes + model.manifest.parts.classifier.bytes;
log(`model ${modelVersion}: ${model.manifest.numFeatures} features, ${(partBytes / 1e6).toFixed(1)} MB`);

const text = 'my laptop will not boot after the windows update, the screen stays black';
log('preprocess in-process...');
const pre = await preprocess({ text, modelVersion });
log('vectorize in-process...');
const vec = await vectorize({ tokens: pre.tokens, modelVersion });
// The review API putting a version in service by hand loads its artifact first (src/operations/models.ts):
// a second version, the same artifact under another name, is promoted; each run starts with the first in service.
const secondVersion = `${modelVersion}-copy`;
const manifestJson = JSON.parse(new TextDecoder().decode(model.files[MODEL_FILES.manifest]!));
await stores.modelStore.put({
  manifest: { ...model.manifest, version: secondVersion },
  files: {
    ...model.files,
    [MODEL_FILES.manifest]: new TextEncoder().encode(JSON.stringify({ ...manifestJson, version: secondVersion })),
  },
});
await stores.registry.register({
  ...(await stores.registry.get(modelVersion))!,
  version: secondVersion,
  status: 'rejected',
});
const receivedAt = new Date().toISOString();
const prediction = {
  category: 'Hardware',
  probability: 0.9,
  top: [{ category: 'Hardware', probability: 0.9 }],
  explanation: [{ term: 'laptop', weight: 1 }],
  needsReview: false,
};
/** Each handler's first event; `id` makes the tickets of each fresh process its own. */
const events: Record<string, (id: string) => unknown> = {
  'start-classification': (id) => sqsEvent(sqsRecord(JSON.stringify({ ticketId: `cold-${id}`, body: text }))),
  'pin-model-version': () => ({ executionName: 'cold-start' }),
  'preprocess-ticket': () => ({ text, modelVersion }),
  'vectorize-ticket': () => ({ tokens: pre.tokens, modelVersion }),
  'predict-category': () => ({ vector: { packed: vec.packed }, tokens: pre.tokens, modelVersion }),
  'publish-result': (id) => ({
    ticket: { ticketId: `published-${id}`, text, truncated: false, receivedAt },
    modelVersion,
    executionName: `ticket-published-${id}`,
    prediction,
  }),
  'record-failure': (id) => ({
    ticket: { ticketId: `failed-${id}`, text, truncated: false, receivedAt },
    executionName: `ticket-failed-${id}`,
    error: { Error: 'States.Timeout', Cause: 'the step timed out' },
  }),
  // Warm, the same request is refused (409: already in service) before any artifact is read.
  'review-api': () => ({
    version: '2.0',
    routeKey: '$default',
    rawPath: `/api/models/${secondVersion}/promote`,
    rawQueryString: '',
    headers: { 'content-type': 'application/json' },
    requestContext: { http: { method: 'POST', path: `/api/models/${secondVersion}/promote` }, requestId: 'bench' },
    body: JSON.stringify({ by: 'bench' }),
    isBase64Encoded: false,
  }),
};
/** The functions the goals are for (the review API's are not). */
const CLASSIFICATION = new Set(Object.keys(events).filter((name) => name !== 'review-api'));
/** Before each fresh process: the state its first event expects. */
const beforeRun: Record<string, () => Promise<void>> = {
  'review-api': async () => {
    const current = (await stores.registry.inService())?.modelVersion;
    if (current !== modelVersion) await stores.registry.movePointer(modelVersion, current, 'bench: reset');
  },
};

/** Runs in the fresh process: import the bundle, handle the event twice, report the times. */
const CHILD = `
import { readFileSync } from 'node:fs';
// The high-water mark of this process's memory (VmHWM; getrusage's maxRSS would carry the parent's over exec).
const peakRssMiB = () => Number(/VmHWM:\\s+(\\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? NaN) / 1024;
const t0 = performance.now();
const { handler } = await import(process.argv[1]);
const t1 = performance.now();
const event = JSON.parse(process.argv[2]);
const first = await handler(event, {});
const t2 = performance.now();
await handler(event, {});
const t3 = performance.now();
if (first?.statusCode >= 400) throw new Error('the first event was refused: ' + first.statusCode + ' ' + first.body);
console.log(JSON.stringify({ importMs: t1 - t0, firstMs: t2 - t1, warmMs: t3 - t2, rssMiB: process.memoryUsage().rss / 1048576, peakRssMiB: peakRssMiB() }));
`;

const work = mkdtempSync(join(tmpdir(), 'triage-cold-'));
const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const env = { ...process.env, ...stack.environment, POWERTOOLS_LOG_LEVEL: 'ERROR' };

interface Measured {
  importMs: number;
  firstMs: number;
  warmMs: number;
  rssMiB: number;
  peakRssMiB: number;
}
/** Asynchronously: the local stack in this process (the Step Functions endpoint) keeps serving. */
const run = promisify(execFile);
const freshProcess = async (args: string[]): Promise<Measured> => {
  const { stdout } = await run(process.execPath, args, { env, encoding: 'utf8' });
  return JSON.parse(stdout.trim().split('\n').pop()!) as Measured;
};

/** The code being measured: this checkout's handlers, and those of the baseline checkout if given. */
type Bundler = typeof bundleHandler;
const checkouts: { label: string; bundle: Bundler }[] = [{ label: '', bundle: bundleHandler }];
if (opts.baseline) {
  const bundling = (await import(pathToFileURL(join(resolve(opts.baseline), 'infra/functions/bundling.ts')).href)) as {
    bundleHandler: Bundler;
  };
  checkouts.push({ label: 'baseline ', bundle: bundling.bundleHandler });
}

const nodeFloor: number[] = [];
const rows: Record<string, unknown>[] = [];
for (const [name, event] of Object.entries(events)) {
  const bundles = [];
  for (const checkout of checkouts) {
    const dir = join(work, `${checkout.label.trim() || 'this'}-${name}`);
    bundles.push({ checkout, dir, sizes: bundleSizes(await checkout.bundle(name, dir)), runs: [] as Measured[] });
  }
  // Round-robin (node -e 0, then each checkout's bundle), so that the load of a shared machine falls on all alike.
  for (let i = 0; i < Number(opts.runs); i++) {
    const started = performance.now();
    await run(process.execPath, ['-e', '0']);
    nodeFloor.push(performance.now() - started);
    for (const bundle of bundles) {
      const id = `${bundle.checkout.label.trim() || 'this'}-${i}-${Date.now()}`;
      await beforeRun[name]?.();
      bundle.runs.push(
        await freshProcess([
          '--input-type=module',
          '-e',
          CHILD,
          join(bundle.dir, 'index.mjs'),
          JSON.stringify(event(id)),
        ]),
      );
    }
  }
  for (const { checkout, sizes, runs } of bundles) {
    const row = {
      handler: `${checkout.label}${name}`,
      startupKiB: sizes.startupBytes / 1024,
      totalKiB: sizes.totalBytes / 1024,
      importMs: median(runs.map((r) => r.importMs)),
      firstEventMs: median(runs.map((r) => r.firstMs)),
      coldMs: median(runs.map((r) => r.importMs + r.firstMs)),
      warmEventMs: median(runs.map((r) => r.warmMs)),
      rssMiB: median(runs.map((r) => r.rssMiB)),
      peakRssMiB: median(runs.map((r) => r.peakRssMiB)),
    };
    rows.push(row);
    log(
      `${row.handler}: ${row.startupKiB.toFixed(0)} KiB at startup, import ${row.importMs.toFixed(0)} ms, first event ${row.firstEventMs.toFixed(0)} ms, warm ${row.warmEventMs.toFixed(2)} ms`,
    );
  }
}
await stack.stop();

const ours = rows.filter((r) => CLASSIFICATION.has(String(r.handler)));
const output = {
  at: new Date().toISOString(),
  node: process.version,
  nodeEmptyProcessMs: median(nodeFloor),
  model: { version: modelVersion, features: model.manifest.numFeatures, partBytes },
  goal: GOAL,
  goalMet: {
    startup: ours.every((r) => (r.startupKiB as number) <= GOAL.startupKiB),
    moduleLoad: ours.every((r) => (r.importMs as number) <= GOAL.importMs),
  },
  rows,
};
const file = saveBenchResult('cold-start', output);
if (opts.json) console.log(JSON.stringify(output, null, 2));
else {
  console.log(
    '\n' +
      table(
        [
          'handler',
          'bundle startup / total',
          'module load',
          'first event',
          'load + first event',
          'warm event',
          'RSS (peak)',
        ],
        rows.map((r) => [
          String(r.handler),
          `${(r.startupKiB as number).toFixed(0)} / ${(r.totalKiB as number).toFixed(0)} KiB`,
          `${(r.importMs as number).toFixed(0)} ms`,
          `${(r.firstEventMs as number).toFixed(0)} ms`,
          `${(r.coldMs as number).toFixed(0)} ms`,
          `${(r.warmEventMs as number).toFixed(2)} ms`,
          `${(r.rssMiB as number).toFixed(0)} MiB (${(r.peakRssMiB as number).toFixed(0)})`,
        ]),
      ),
  );
  const met = (ok: boolean) => (ok ? 'met' : 'NOT met');
  console.log(
    `\ngoals for every classification function above (not the review API, not the baseline): startup ≤ ${GOAL.startupKiB} KiB ${met(output.goalMet.startup)}; module load ≤ ${GOAL.importMs} ms ${met(output.goalMet.moduleLoad)}`,
  );
  console.log(
    `node -e 0 (a fresh process doing nothing), same run: ${output.nodeEmptyProcessMs.toFixed(0)} ms median; medians of ${opts.runs} fresh processes per handler`,
  );
  console.log(`JSON: ${file}`);
}
