/**
 * `npm run bench:cold-start`: what a Lambda cold start costs each step of the
 * classification workflow. Every handler is bundled exactly as CDK deploys it;
 * each is then loaded by a FRESH Node process that imports the bundle and
 * handles its first event (which loads the model version from S3, here the
 * local S3 of a local stack), then a second one (warm). The review API's
 * first event is an admin putting a version in service, which loads and
 * checks the whole artifact (what its memory size must allow).
 *
 * The model is the Endava-sized `reference` profile (343k n-grams) when the
 * dataset is present, else the demo model.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
import { ENDAVA_CSV } from './endava.ts';
import { saveBenchResult } from './results.ts';

const program = new Command('bench:cold-start')
  .description('bundle size, module load and first-event (model load) time of each Lambda in a fresh process')
  .option('--runs <n>', 'fresh processes per handler (the median is reported)', '3')
  .option('--json', 'print only the JSON result')
  .parse(process.argv);
const opts = program.opts<{ runs: string; json?: boolean }>();
const log = (line: string) => {
  if (!opts.json) console.error(line);
};

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
const events: Record<string, unknown> = {
  'pin-model-version': { executionName: 'cold-start' },
  'preprocess-ticket': { text, modelVersion },
  'vectorize-ticket': { tokens: pre.tokens, modelVersion },
  'predict-category': { vector: { packed: vec.packed }, tokens: pre.tokens, modelVersion },
  // Warm, the same request is refused (409: already in service) before any artifact is read.
  'review-api': {
    version: '2.0',
    routeKey: '$default',
    rawPath: `/api/models/${secondVersion}/promote`,
    rawQueryString: '',
    headers: { 'content-type': 'application/json' },
    requestContext: { http: { method: 'POST', path: `/api/models/${secondVersion}/promote` }, requestId: 'bench' },
    body: JSON.stringify({ by: 'bench' }),
    isBase64Encoded: false,
  },
};
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
const rows: Record<string, unknown>[] = [];
for (const [name, event] of Object.entries(events)) {
  const dir = join(work, name);
  const metafile = await bundleHandler(name, dir);
  const sizes = bundleSizes(metafile);
  const runs: { importMs: number; firstMs: number; warmMs: number; rssMiB: number; peakRssMiB: number }[] = [];
  for (let i = 0; i < Number(opts.runs); i++) {
    await beforeRun[name]?.();
    const out = execFileSync(
      process.execPath,
      ['--input-type=module', '-e', CHILD, join(dir, 'index.mjs'), JSON.stringify(event)],
      {
        env: { ...process.env, ...stack.environment, POWERTOOLS_LOG_LEVEL: 'ERROR' },
        encoding: 'utf8',
      },
    );
    runs.push(JSON.parse(out.trim().split('\n').pop()!));
  }
  const row = {
    handler: name,
    startupKiB: sizes.startupBytes / 1024,
    totalKiB: sizes.totalBytes / 1024,
    importMs: median(runs.map((r) => r.importMs)),
    firstEventMs: median(runs.map((r) => r.firstMs)),
    warmEventMs: median(runs.map((r) => r.warmMs)),
    rssMiB: median(runs.map((r) => r.rssMiB)),
    peakRssMiB: median(runs.map((r) => r.peakRssMiB)),
  };
  rows.push(row);
  log(
    `${name}: import ${row.importMs.toFixed(0)} ms, first event ${row.firstEventMs.toFixed(0)} ms, warm ${row.warmEventMs.toFixed(2)} ms`,
  );
}
await stack.stop();

const output = {
  at: new Date().toISOString(),
  node: process.version,
  model: { version: modelVersion, features: model.manifest.numFeatures, partBytes },
  rows,
};
const file = saveBenchResult('cold-start', output);
if (opts.json) console.log(JSON.stringify(output, null, 2));
else {
  console.log(
    '\n' +
      table(
        ['handler', 'bundle startup / total', 'module load', 'first event (model load)', 'warm event', 'RSS (peak)'],
        rows.map((r) => [
          String(r.handler),
          `${(r.startupKiB as number).toFixed(0)} / ${(r.totalKiB as number).toFixed(0)} KiB`,
          `${(r.importMs as number).toFixed(0)} ms`,
          `${(r.firstEventMs as number).toFixed(0)} ms`,
          `${(r.warmEventMs as number).toFixed(2)} ms`,
          `${(r.rssMiB as number).toFixed(0)} MiB (${(r.peakRssMiB as number).toFixed(0)})`,
        ]),
      ),
  );
  console.log(`\nJSON: ${file}`);
}
