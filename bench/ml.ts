/**
 * `npm run bench`: the ML core on the Endava tickets (fixed split), against
 * the scikit-learn reference. Prints a table and writes JSON to bench/results/.
 *
 *   npm run bench -- --profiles reference,linear-svm --latency-samples 2000
 */
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { parse } from 'csv-parse/sync';
import { packageModel } from '../src/model/artifact.ts';
import { computeMetrics } from '../src/model/metrics.ts';
import { isProfileName, PROFILE_NAMES, PROFILES, type ProfileName } from '../src/model/profiles.ts';
import { trainModel } from '../src/model/train.ts';
import { loadModelDirectory, saveModelDirectory } from '../src/model-store/directory.ts';
import { table, percent } from '../src/cli/output.ts';
import { loadEndavaOrSkip, REFERENCE_DIR } from './endava.ts';
import { sklearnFigures, type SklearnFigures } from './sklearn-reference.ts';
import { saveBenchResult } from './results.ts';

const program = new Command('bench')
  .description('accuracy, speed and size of each model profile on the Endava split, against scikit-learn')
  .option('--profiles <list>', `comma-separated profiles (${PROFILE_NAMES.join(', ')})`, PROFILE_NAMES.join(','))
  .option('--latency-samples <n>', 'single-ticket predictions timed per profile', '2000')
  .option('--no-sklearn', 'do not run the scikit-learn script even if it is installed (use RESULTS.md)')
  .option('--json', 'print only the JSON result')
  .parse(process.argv);
const opts = program.opts<{ profiles: string; latencySamples: string; sklearn: boolean; json?: boolean }>();
const log = (line: string) => {
  if (!opts.json) console.error(line);
};

const profiles = opts.profiles.split(',').map((p) => p.trim());
for (const p of profiles) if (!isProfileName(p)) program.error(`unknown profile "${p}"`);
const { data, split } = await loadEndavaOrSkip('bench');
const trainTexts = split.train.map((i) => data.texts[i]!);
const trainLabels = split.train.map((i) => data.labels[i]!);
const testTexts = split.test.map((i) => data.texts[i]!);
const testLabels = split.test.map((i) => data.labels[i]!);
log(`Endava: ${data.texts.length} tickets, ${split.train.length} train / ${split.test.length} test`);

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

function sklearnAgreement(predicted: string[]): { agree: number; total: number } | undefined {
  const file = join(REFERENCE_DIR, 'sklearn-predictions-nb_lem_12.csv');
  if (!existsSync(file)) return undefined;
  const rows = parse(readFileSync(file), { columns: true }) as { row: string; pred: string }[];
  const reference = new Map(rows.map((r) => [Number(r.row), r.pred]));
  let agree = 0;
  split.test.forEach((row, i) => {
    if (reference.get(row) === predicted[i]) agree += 1;
  });
  return { agree, total: split.test.length };
}

interface ProfileResult {
  profile: ProfileName;
  parameters: Record<string, unknown>;
  accuracy: number;
  macroF1: number;
  preprocessSeconds: number;
  fitSeconds: number;
  trainSeconds: number;
  predictP50Ms: number;
  predictP99Ms: number;
  artifactBytes: number;
  loadMs: number;
  features: number;
  agreementWithSklearn?: { agree: number; total: number; share: number };
}

const results: ProfileResult[] = [];
const workDir = mkdtempSync(join(tmpdir(), 'triage-bench-'));
for (const name of profiles as ProfileName[]) {
  log(`\n${name}: training on ${trainTexts.length} tickets...`);
  const t0 = performance.now();
  const model = await trainModel({ texts: trainTexts, labels: trainLabels, profile: PROFILES[name] });
  const trainSeconds = (performance.now() - t0) / 1000;
  const packaged = packageModel(model, { lineage: { dataset: { sha256: data.sha256, rows: trainTexts.length } } });
  const dir = join(workDir, name);
  await saveModelDirectory(dir, packaged);
  const artifactBytes = Object.values(packaged.files).reduce((s, f) => s + f.length, 0);

  // Load time: read the three files, verify checksums, decode (median of 5; WordNet data is already in memory).
  const loads: number[] = [];
  let classifier = await loadModelDirectory(dir);
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    classifier = await loadModelDirectory(dir);
    loads.push(performance.now() - t);
  }
  loads.sort((a, b) => a - b);

  log(`${name}: evaluating on ${testTexts.length} tickets...`);
  const predicted = testTexts.map((t) => classifier.classify(t).category);
  const metrics = computeMetrics(testLabels, predicted, classifier.manifest.labels);

  const samples = Math.min(Number(opts.latencySamples), testTexts.length);
  const latencies: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t = performance.now();
    classifier.classify(testTexts[i]!);
    latencies.push(performance.now() - t);
  }
  latencies.sort((a, b) => a - b);

  const agreement = name === 'reference' ? sklearnAgreement(predicted) : undefined;
  results.push({
    profile: name,
    parameters: model.parameters,
    accuracy: metrics.accuracy,
    macroF1: metrics.macroF1,
    preprocessSeconds: model.timings.preprocessMs / 1000,
    fitSeconds: (model.timings.validateMs + model.timings.fitMs) / 1000,
    trainSeconds,
    predictP50Ms: quantile(latencies, 0.5),
    predictP99Ms: quantile(latencies, 0.99),
    artifactBytes,
    loadMs: loads[2]!,
    features: model.classifier.numFeatures,
    ...(agreement && { agreementWithSklearn: { ...agreement, share: agreement.agree / agreement.total } }),
  });
}

const sklearn: Record<string, SklearnFigures | undefined> = {};
if (profiles.includes('reference')) sklearn.nb_lem_12 = sklearnFigures('nb_lem_12', log, { run: opts.sklearn });
if (profiles.includes('linear-svm')) sklearn.svc_lem_12 = sklearnFigures('svc_lem_12', log, { run: opts.sklearn });

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
const rows = results.map((r) => [
  r.profile,
  percent(r.accuracy),
  percent(r.macroF1),
  r.agreementWithSklearn
    ? `${r.agreementWithSklearn.agree}/${r.agreementWithSklearn.total} (${percent(r.agreementWithSklearn.share)})`
    : '-',
  `${r.preprocessSeconds.toFixed(2)} + ${r.fitSeconds.toFixed(2)} s`,
  `${r.predictP50Ms.toFixed(3)} / ${r.predictP99Ms.toFixed(3)} ms`,
  mb(r.artifactBytes),
  `${r.loadMs.toFixed(0)} ms`,
]);
const comparisons: { what: string; ours: string; sklearn: string; ratio: string }[] = [];
const pairs: [ProfileName, string][] = [
  ['reference', 'nb_lem_12'],
  ['linear-svm', 'svc_lem_12'],
];
for (const [ours, theirs] of pairs) {
  const r = results.find((x) => x.profile === ours);
  const s = sklearn[theirs];
  if (!r || !s) continue;
  const sk = s.t_preprocess_train_s + s.t_fit_s;
  const mine = r.preprocessSeconds + r.fitSeconds;
  comparisons.push(
    {
      what: `${ours} accuracy vs ${theirs}`,
      ours: percent(r.accuracy),
      sklearn: percent(s.accuracy),
      ratio: `${((r.accuracy - s.accuracy) * 100).toFixed(2)} pt`,
    },
    {
      what: `${ours} preprocess+fit vs ${theirs} [${s.source}]`,
      ours: `${mine.toFixed(2)} s`,
      sklearn: `${sk.toFixed(2)} s`,
      ratio: `${(mine / sk).toFixed(2)}x`,
    },
    {
      what: `${ours} 1-ticket predict p50 vs ${theirs} e2e median`,
      ours: `${r.predictP50Ms.toFixed(3)} ms`,
      sklearn: `${s.e2e_single_median_ms.toFixed(2)} ms`,
      ratio: `${(r.predictP50Ms / s.e2e_single_median_ms).toFixed(3)}x`,
    },
    {
      what: `${ours} artifact vs ${theirs} pickle`,
      ours: mb(r.artifactBytes),
      sklearn: mb(s.pickle_bytes),
      ratio: `${(r.artifactBytes / s.pickle_bytes).toFixed(2)}x`,
    },
  );
}

const output = {
  at: new Date().toISOString(),
  node: process.version,
  dataset: { rows: data.texts.length, train: split.train.length, test: split.test.length },
  results,
  sklearn,
  comparisons,
};
const file = saveBenchResult('ml', output);
if (opts.json) {
  console.log(JSON.stringify(output, null, 2));
} else {
  console.log(
    '\n' +
      table(
        [
          'profile',
          'accuracy',
          'macro-F1',
          'same as sklearn',
          'preprocess + fit',
          'predict p50 / p99',
          'artifact',
          'load',
        ],
        rows,
      ),
  );
  if (comparisons.length > 0)
    console.log(
      '\n' +
        table(
          ['comparison', 'ticket-triage', 'scikit-learn', 'ratio / diff'],
          comparisons.map((c) => [c.what, c.ours, c.sklearn, c.ratio]),
        ),
    );
  console.log(`\nJSON: ${file}`);
}
