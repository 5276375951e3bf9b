/**
 * `npm run bench:scale`: how training time and memory grow with the number of
 * tickets, and whether the retraining steps fit in Lambda at a million.
 *
 * 1. **Training per size.** The default profile (`DEFAULT_PROFILE`) and
 *    `reference` are trained on 50k, 200k, 500k and 1M synthetic tickets made
 *    from the Endava training rows (`bench/synthetic-tickets.ts`: new word
 *    combinations and new word forms, so the vocabulary grows by Heaps' law as
 *    real text does; the output shows that growth beside the real tickets').
 *    Each run is a child process of its own: its peak resident memory
 *    (`maxRSS`) is that run's alone. Single-core by default (`--threads 1`).
 * 2. **The retraining steps** (`--steps <training rows>`, default 1M):
 *    GatherFeedback, Retrain and Evaluate, each the handler's core function
 *    (`gatherFeedback`, `trainCandidate`, `evaluateCandidate`) over in-memory
 *    stand-ins of DynamoDB and S3 behind the same narrow interfaces (the
 *    objects as bytes in memory, as S3 returns them), in a child process each,
 *    against the memory and timeout the CDK app gives each step.
 *
 *   npm run bench:scale -- --sizes 50000,200000 --profiles linear-svm-char --steps 0
 *   npm run bench:scale -- --sizes 0 --steps 1000000 --threads 2
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { table } from '../src/cli/output.ts';
import { MODEL_FILES, packageModel, type ModelManifest, type PackagedModel } from '../src/model/artifact.ts';
import { DEFAULT_PROFILE, PROFILES, isProfileName, type ProfileName } from '../src/model/profiles.ts';
import { trainModel } from '../src/model/train.ts';
import { createSolverPool } from '../src/training/solver-pool.ts';
import { tokenize } from '../src/text/tokenize.ts';
import { BASE_DATASET_KEYS, toJsonLines, type BaseDatasetMeta } from '../src/data/base-dataset.ts';
import type { InServicePointer, ModelRecord } from '../src/model-store/registry.ts';
import { ModelVersionExistsError } from '../src/model-store/registry.ts';
import { parseManifest } from '../src/model/artifact.ts';
import { gatherFeedback } from '../src/retraining/gather.ts';
import { trainCandidate } from '../src/retraining/retrain.ts';
import { evaluateCandidate } from '../src/retraining/evaluate.ts';
import type { FeedbackEntry } from '../src/storage/feedback.ts';
import { FUNCTION_TIMEOUT_SECONDS } from '../src/workflows/catalog.ts';
import { InMemoryObjects } from '../test/support/fakes.ts';
import { loadDataset } from './datasets.ts';
import { hasDataset } from './datasets.ts';
import { saveBenchResult } from './results.ts';
import { heapsExponent, syntheticTicketModel } from './synthetic-tickets.ts';

const DEFAULT_SIZES = '50000,200000,500000,1000000';
const program = new Command('bench:scale')
  .description('training time and peak memory at 50k-1M tickets, and the retraining steps against their Lambda limits')
  .option('--sizes <list>', 'training set sizes (0: none)', DEFAULT_SIZES)
  .option('--profiles <list>', 'profiles trained at each size', `${DEFAULT_PROFILE},reference`)
  .option('--threads <n>', 'solver threads (1: single-core figures)', '1')
  .option('--steps <rows>', 'training rows of the retraining-steps run (0: skip it)', '1000000')
  .option('--seed <n>', 'seed of the synthetic tickets', '1')
  .option('--child <json>', '(internal) one measured run')
  .option('--json', 'print only the JSON result')
  .parse(process.argv);
const opts = program.opts<{
  sizes: string;
  profiles: string;
  threads: string;
  steps: string;
  seed: string;
  child?: string;
  json?: boolean;
}>();

const MB = 1024 * 1024;
const cpuSeconds = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1e6;
};
const peakRss = () => process.resourceUsage().maxRSS * 1024;
const settle = () => {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().rss;
};

// ---------------------------------------------------------------- child runs

type ChildJob =
  | { kind: 'train'; rows: number; profile: ProfileName; threads: number; seed: number }
  | { kind: 'gather' | 'retrain' | 'evaluate'; rows: number; threads: number; seed: number; dir: string };

interface Measured {
  readonly wallSeconds: number;
  readonly cpuSeconds: number;
  /** Resident memory once the input is in memory, before the measured work. */
  readonly rssBefore: number;
  readonly rssPeak: number;
}

async function measure<T>(work: () => Promise<T>): Promise<{ result: T; measured: Measured }> {
  const rssBefore = settle();
  const c0 = cpuSeconds();
  const t0 = performance.now();
  const result = await work();
  return {
    result,
    measured: {
      wallSeconds: (performance.now() - t0) / 1000,
      cpuSeconds: cpuSeconds() - c0,
      rssBefore,
      rssPeak: peakRss(),
    },
  };
}

/** Feedback items so that the base training rows plus the feedback kept for training make `rows`. */
const HOLDOUT_SHARE = 0.2;
const feedbackItemsFor = (rows: number, baseTrainRows: number) =>
  Math.max(0, Math.round((rows - baseTrainRows) / (1 - HOLDOUT_SHARE)));

/** A model bucket in memory: objects as bytes (what S3 returns), model versions as their files. */
class MemoryBucket extends InMemoryObjects {
  async put(model: PackagedModel): Promise<void> {
    for (const [file, bytes] of Object.entries(model.files))
      this.objects.set(`models/${model.manifest.version}/${file}`, bytes);
  }
  async manifest(version: string): Promise<ModelManifest> {
    return parseManifest(new TextDecoder().decode(await this.getObject(`models/${version}/${MODEL_FILES.manifest}`)));
  }
  async part(manifest: ModelManifest, part: 'vectorizer' | 'classifier'): Promise<Uint8Array> {
    return this.getObject(`models/${manifest.version}/${manifest.parts[part].file}`);
  }
}

/** The models table in memory: records and the in-service pointer. */
class MemoryRegistry {
  readonly records = new Map<string, ModelRecord>();
  pointer: InServicePointer | undefined;
  async list(): Promise<ModelRecord[]> {
    return [...this.records.values()];
  }
  async get(version: string): Promise<ModelRecord | undefined> {
    return this.records.get(version);
  }
  async inService(): Promise<InServicePointer | undefined> {
    return this.pointer;
  }
  async registerNew(record: ModelRecord): Promise<void> {
    if (this.records.has(record.version)) throw new ModelVersionExistsError(`${record.version} exists`);
    this.records.set(record.version, record);
  }
}

async function runChild(job: ChildJob): Promise<unknown> {
  const dataset = await loadDataset('endava');
  const synthetic = syntheticTicketModel(dataset.train);
  if (job.kind === 'train') {
    const generated = synthetic.generate(job.rows, job.seed);
    const pool = job.threads > 1 ? createSolverPool({ threads: job.threads }) : undefined;
    const { result: model, measured } = await measure(() =>
      trainModel({
        texts: generated.texts,
        labels: generated.labels,
        profile: PROFILES[job.profile],
        ...(pool && { solver: pool }),
      }),
    );
    await pool?.close();
    const artifactBytes = Object.values(
      packageModel(model, { lineage: { dataset: { sha256: '0'.repeat(64), rows: job.rows } } }).files,
    ).reduce((s, f) => s + f.length, 0);
    return {
      ...measured,
      tokens: generated.tokens,
      wordTypes: generated.wordTypes,
      fittedFeatures: model.fittedFeatures,
      keptFeatures: model.classifier.numFeatures,
      validationAccuracy: model.validation.accuracy,
      timings: model.timings,
      artifactBytes,
    };
  }

  // The retraining steps: a deployment bootstrapped with the Endava tickets (train split = base
  // training set, test split = base holdout), plus synthetic feedback.
  const baseTrain = dataset.train.texts.map((text, i) => ({ text, label: dataset.train.labels[i]! }));
  const baseHoldout = dataset.test.texts.map((text, i) => ({ text, label: dataset.test.labels[i]! }));
  const items = feedbackItemsFor(job.rows, baseTrain.length);
  const snapshotKey = 'feedback/snapshots/20261201T030000Z-scale.jsonl';
  const snapshotFile = join(job.dir, 'snapshot.jsonl');
  const bucket = new MemoryBucket();
  const registry = new MemoryRegistry();
  const meta: BaseDatasetMeta = {
    sha256: '0'.repeat(64),
    source: 'endava',
    trainRows: baseTrain.length,
    holdoutRows: baseHoldout.length,
    labels: [...new Set(dataset.train.labels)],
    createdAt: '2026-12-01T00:00:00.000Z',
  };
  await bucket.putObject(BASE_DATASET_KEYS.meta, JSON.stringify(meta));
  await bucket.putObject(BASE_DATASET_KEYS.train, toJsonLines(baseTrain));
  await bucket.putObject(BASE_DATASET_KEYS.holdout, toJsonLines(baseHoldout));

  if (job.kind === 'gather') {
    const generated = synthetic.generate(items, job.seed);
    const start = Date.parse('2026-06-01T00:00:00.000Z');
    // DynamoDB's feedback index, as the Query pages yield it (oldest feedback first).
    const feedback = {
      async *entries(): AsyncGenerator<FeedbackEntry> {
        for (let i = 0; i < items; i++) {
          const at = new Date(start + i * 1000).toISOString();
          yield {
            ticketId: `ticket-${String(i).padStart(8, '0')}`,
            text: generated.texts[i]!,
            feedback: {
              verdict: i % 4 === 0 ? 'corrected' : 'confirmed',
              category: generated.labels[i]!,
              predictedCategory: generated.labels[(i + 1) % items]!,
              at,
            },
            feedbackAt: at,
          } as FeedbackEntry;
        }
      },
    };
    const { result, measured } = await measure(() =>
      gatherFeedback(
        { feedback, registry, store: bucket },
        {
          executionName: 'scale',
          minNewFeedback: 1,
          holdoutShare: HOLDOUT_SHARE,
          now: new Date('2026-12-01T03:00:00Z'),
        },
      ),
    );
    const snapshot = bucket.objects.get(result.snapshotKey!)!;
    writeFileSync(snapshotFile, snapshot);
    return {
      ...measured,
      items,
      trainRows: result.trainRows,
      holdoutRows: result.holdoutRows,
      snapshotBytes: snapshot.length,
    };
  }

  const snapshot = readFileSync(snapshotFile);
  bucket.objects.set(snapshotKey, new Uint8Array(snapshot.buffer, snapshot.byteOffset, snapshot.length));
  if (job.kind === 'retrain') {
    const { result, measured } = await measure(() =>
      trainCandidate(
        { store: bucket, registry, threads: job.threads },
        { executionName: 'scale', snapshotKey, watermark: null },
      ),
    );
    for (const [key, bytes] of bucket.objects)
      if (key.startsWith('models/')) {
        mkdirSync(join(job.dir, 'model'), { recursive: true });
        writeFileSync(join(job.dir, 'model', key.split('/').pop()!), bytes);
      }
    writeFileSync(join(job.dir, 'model', 'version'), result.version);
    return { ...measured, trainingRows: result.trainingRows, feedbackRows: result.feedbackRows };
  }

  // evaluate: the candidate against a model in service (the same model under another version).
  const version = readFileSync(join(job.dir, 'model', 'version'), 'utf8');
  const manifest = parseManifest(readFileSync(join(job.dir, 'model', MODEL_FILES.manifest), 'utf8'));
  for (const [as, id] of [
    [version, version],
    ['in-service', 'in-service'],
  ] as const) {
    const files = Object.fromEntries(
      Object.values(MODEL_FILES).map((file) => [file, new Uint8Array(readFileSync(join(job.dir, 'model', file)))]),
    );
    if (as === 'in-service')
      files[MODEL_FILES.manifest] = new TextEncoder().encode(JSON.stringify({ ...manifest, version: id }));
    await bucket.put({ manifest: { ...manifest, version: id }, files } as PackagedModel);
  }
  registry.pointer = {
    modelVersion: 'in-service',
    revision: 1,
    promotedAt: '2026-12-01T00:00:00.000Z',
    reason: 'bench',
    history: [],
  };
  const { result, measured } = await measure(() =>
    evaluateCandidate(
      { store: bucket, registry },
      {
        executionName: 'scale',
        candidateVersion: version,
        snapshotKey,
        tolerances: { accuracy: 0.005, macroF1: 0.01, coverage: 0.03 },
      },
    ),
  );
  return { ...measured, holdoutRows: result.holdoutRows, accuracy: result.candidate.accuracy };
}

if (opts.child) {
  const result = await runChild(JSON.parse(opts.child) as ChildJob);
  process.stdout.write(`\n${JSON.stringify(result)}\n`);
  process.exit(0);
}

// ---------------------------------------------------------------- the parent

const log = (line: string) => {
  if (!opts.json) console.error(line);
};
if (!hasDataset('endava')) {
  console.log('bench:scale: skipped, the Endava dataset is not under the shared folder (set TRIAGE_SHARED_DIR)');
  process.exit(0);
}
const sizes = opts.sizes === '0' ? [] : opts.sizes.split(',').map(Number);
const profiles = opts.profiles.split(',').map((p) => p.trim());
for (const p of profiles) if (!isProfileName(p)) program.error(`unknown profile "${p}"`);
const threads = Number(opts.threads);
const seed = Number(opts.seed);
const stepRows = Number(opts.steps);
const entry = fileURLToPath(import.meta.url);
const runTs = fileURLToPath(new URL('../bin/run-ts.mjs', import.meta.url));

function child(job: ChildJob): Record<string, unknown> & Measured {
  const run = spawnSync(process.execPath, ['--expose-gc', runTs, entry, '--child', JSON.stringify(job)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * MB,
  });
  if (run.status !== 0)
    throw new Error(`${job.kind} at ${job.rows} rows failed (exit ${run.status ?? run.signal}): see the output above`);
  return JSON.parse(run.stdout.trim().split('\n').pop()!) as Record<string, unknown> & Measured;
}

// The real tickets' vocabulary growth (Heaps' law), for comparison with the synthetic tickets'.
const endava = await loadDataset('endava');
const realPoints: { rows: number; tokens: number; types: number }[] = [];
{
  const seen = new Set<string>();
  let tokens = 0;
  const marks = new Set([2_000, 5_000, 10_000, 20_000, endava.train.texts.length]);
  endava.train.texts.forEach((text, i) => {
    for (const w of tokenize(text)) {
      seen.add(w);
      tokens++;
    }
    if (marks.has(i + 1)) realPoints.push({ rows: i + 1, tokens, types: seen.size });
  });
}

interface SizeResult extends Measured {
  rows: number;
  profile: ProfileName;
  tokens: number;
  wordTypes: number;
  fittedFeatures: { words: number; characters: number };
  keptFeatures: number;
  validationAccuracy: number;
  timings: { preprocessMs: number; validateMs: number; fitMs: number };
  artifactBytes: number;
}
const sizeResults: SizeResult[] = [];
const failures: string[] = [];
for (const rows of sizes)
  for (const profile of profiles as ProfileName[]) {
    log(
      `training ${profile} on ${rows.toLocaleString('en')} synthetic tickets (${threads} thread${threads > 1 ? 's' : ''})...`,
    );
    let r: SizeResult;
    try {
      r = child({ kind: 'train', rows, profile, threads, seed }) as unknown as SizeResult;
    } catch (error) {
      // Keep the sizes measured so far: report the failure, go on with the next run.
      failures.push(`${profile} at ${rows.toLocaleString('en')} tickets: ${(error as Error).message}`);
      log(`  failed: ${(error as Error).message}`);
      continue;
    }
    sizeResults.push({ ...r, rows, profile });
    log(`  ${r.wallSeconds.toFixed(1)} s, ${r.cpuSeconds.toFixed(1)} s CPU, peak ${(r.rssPeak / MB).toFixed(0)} MB`);
  }

const stepResults: { step: string; result: Record<string, unknown> & Measured }[] = [];
if (stepRows > 0) {
  const dir = mkdtempSync(join(tmpdir(), 'triage-scale-'));
  try {
    for (const step of ['gather', 'retrain', 'evaluate'] as const) {
      log(`retraining step ${step} at ${stepRows.toLocaleString('en')} training rows...`);
      const result = child({ kind: step, rows: stepRows, threads, seed, dir });
      stepResults.push({ step, result });
      log(
        `  ${result.wallSeconds.toFixed(1)} s, ${result.cpuSeconds.toFixed(1)} s CPU, peak ${(result.rssPeak / MB).toFixed(0)} MB`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- output

const { RETRAIN_STEPS } = await import('../infra/retrain-workflow/retrain-workflow.ts');
const LAMBDA: Record<string, { handler: string; memoryMb: number; timeoutSeconds: number }> = {};
for (const [step, handler] of [
  ['gather', 'gather-feedback'],
  ['retrain', 'train-candidate'],
  ['evaluate', 'evaluate-model'],
] as const) {
  const spec = RETRAIN_STEPS[handler];
  LAMBDA[step] = { handler, memoryMb: spec.memorySize, timeoutSeconds: FUNCTION_TIMEOUT_SECONDS[handler] };
}
/** Lambda's vCPUs at a memory setting: one per 1,769 MB, up to 6 at 10,240 MB. */
const vcpusAt = (memoryMb: number) => Math.min(6, Math.max(1, memoryMb / 1769));

const mb = (bytes: number) => `${(bytes / MB).toFixed(0)} MB`;
const growth = (rows: number, profile: string, pick: (r: SizeResult) => number) => {
  const previous = sizeResults.filter((r) => r.profile === profile && r.rows < rows).at(-1);
  const current = sizeResults.find((r) => r.profile === profile && r.rows === rows)!;
  if (!previous) return '-';
  const exponent = Math.log(pick(current) / pick(previous)) / Math.log(current.rows / previous.rows);
  return `x${(pick(current) / pick(previous)).toFixed(2)} (rows^${exponent.toFixed(2)})`;
};
const sizeRows = sizeResults.map((r) => [
  r.profile,
  r.rows.toLocaleString('en'),
  `${r.wallSeconds.toFixed(1)} s`,
  `${r.cpuSeconds.toFixed(1)} s`,
  growth(r.rows, r.profile, (x) => x.cpuSeconds),
  mb(r.rssPeak),
  mb(r.rssBefore),
  `${((r.rssPeak - r.rssBefore) / r.rows / 1024).toFixed(2)} KB`,
  growth(r.rows, r.profile, (x) => x.rssPeak - x.rssBefore),
  `${r.fittedFeatures.words.toLocaleString('en')} / ${r.fittedFeatures.characters.toLocaleString('en')}`,
  `${(r.artifactBytes / MB).toFixed(1)} MB`,
]);
const vocabulary = [...new Map(sizeResults.map((r) => [r.rows, r])).values()].map((r) => ({
  rows: r.rows,
  tokens: r.tokens,
  types: r.wordTypes,
}));
const realBeta = heapsExponent(realPoints);
const syntheticBeta = vocabulary.length > 1 ? heapsExponent(vocabulary) : undefined;
const stepRowsOut = stepResults.map(({ step, result }) => {
  const lambda = LAMBDA[step]!;
  const rssShare = result.rssPeak / (lambda.memoryMb * MB);
  return [
    `${step} (${lambda.handler})`,
    String(
      (result.items as number | undefined)?.toLocaleString('en') ??
        (result.trainingRows as number | undefined)?.toLocaleString('en') ??
        (result.holdoutRows as number | undefined)?.toLocaleString('en'),
    ),
    `${result.wallSeconds.toFixed(1)} s`,
    `${result.cpuSeconds.toFixed(1)} s`,
    mb(result.rssPeak),
    `${lambda.memoryMb} MB (${vcpusAt(lambda.memoryMb).toFixed(1)} vCPU), ${lambda.timeoutSeconds / 60} min`,
    `${(rssShare * 100).toFixed(0)}% of memory, ${((result.cpuSeconds / lambda.timeoutSeconds) * 100).toFixed(0)}% of the timeout at one vCPU`,
  ];
});

const output = {
  at: new Date().toISOString(),
  node: process.version,
  threads,
  machineCpus: availableParallelism(),
  seed,
  sizes: sizeResults,
  vocabulary: { real: realPoints, synthetic: vocabulary, realHeapsBeta: realBeta, syntheticHeapsBeta: syntheticBeta },
  steps: stepResults,
  failures,
  lambda: LAMBDA,
};
const file = saveBenchResult('scale', output);
if (opts.json) console.log(JSON.stringify(output, null, 2));
else {
  if (sizeRows.length > 0)
    console.log(
      `\nTraining on synthetic tickets (${threads} solver thread${threads > 1 ? 's' : ''}; peak = the child process's maxRSS, before = resident once the tickets are in memory)\n` +
        table(
          [
            'profile',
            'tickets',
            'wall',
            'CPU',
            'CPU growth',
            'peak RSS',
            'before',
            'per ticket',
            'memory growth',
            'features (words / chars)',
            'artifact',
          ],
          sizeRows,
        ),
    );
  if (vocabulary.length > 0)
    console.log(
      '\nVocabulary growth (distinct words against tokens; Heaps: types ~ tokens^beta)\n' +
        table(
          ['tickets', 'tokens', 'distinct words', 'source'],
          [
            ...realPoints.map((p) => [
              p.rows.toLocaleString('en'),
              p.tokens.toLocaleString('en'),
              p.types.toLocaleString('en'),
              'Endava (real)',
            ]),
            ...vocabulary.map((p) => [
              p.rows.toLocaleString('en'),
              p.tokens.toLocaleString('en'),
              p.types.toLocaleString('en'),
              'synthetic',
            ]),
          ],
        ) +
        `\nHeaps beta: Endava ${realBeta.toFixed(2)}${syntheticBeta === undefined ? '' : `, synthetic ${syntheticBeta.toFixed(2)}`}`,
    );
  if (stepRowsOut.length > 0)
    console.log(
      `\nRetraining steps at ${stepRows.toLocaleString('en')} training rows (in-memory DynamoDB/S3 stand-ins; ${threads} solver thread${threads > 1 ? 's' : ''})\n` +
        table(['step', 'rows', 'wall', 'CPU', 'peak RSS', 'Lambda (CDK)', 'use'], stepRowsOut),
    );
  for (const failure of failures) console.log(`\nFAILED: ${failure}`);
  console.log(`\nJSON: ${file}`);
}
if (failures.length > 0) process.exitCode = 1;
