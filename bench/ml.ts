/**
 * `npm run bench`: every model profile on the Endava tickets (fixed split) and
 * on BANKING77 (official split), against the scikit-learn reference (Endava).
 * For each: accuracy, macro-F1, coverage and precision of the automatic routes
 * at the target precision beside the old fixed 0.6 threshold, the calibration
 * error (ECE, 15 bins), training time, artifact size, load and predict time.
 * Prints tables and writes JSON to bench/results/.
 *
 *   npm run bench -- --profiles reference,linear-svm --datasets endava --latency-samples 2000
 */
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { parse } from 'csv-parse/sync';
import { packageModel } from '../src/model/artifact.ts';
import { evaluatePredictions, routingMetrics, type EvaluatedPrediction } from '../src/model/evaluation.ts';
import { isProfileName, PROFILE_NAMES, PROFILES, type ProfileName } from '../src/model/profiles.ts';
import { DEFAULT_TARGET_PRECISION, trainModel } from '../src/model/train.ts';
import { loadModelDirectory, saveModelDirectory } from '../src/model-store/directory.ts';
import { table, percent } from '../src/cli/output.ts';
import { REFERENCE_DIR } from './endava.ts';
import { DATASET_NAMES, hasDataset, isDatasetName, loadDataset, type Dataset, type DatasetName } from './datasets.ts';
import { sklearnFigures, type SklearnFigures } from './sklearn-reference.ts';
import { saveBenchResult } from './results.ts';
import { createSolverPool } from '../src/training/solver-pool.ts';

const program = new Command('bench')
  .description('accuracy, routing, calibration, speed and size of each model profile, against scikit-learn')
  .option('--profiles <list>', `comma-separated profiles (${PROFILE_NAMES.join(', ')})`, PROFILE_NAMES.join(','))
  .option('--datasets <list>', `comma-separated datasets (${DATASET_NAMES.join(', ')})`, DATASET_NAMES.join(','))
  .option('--target-precision <p>', 'precision the automatic routes aim for', String(DEFAULT_TARGET_PRECISION))
  .option('--latency-samples <n>', 'single-ticket predictions timed per profile', '2000')
  .option(
    '--speed-repeats <n>',
    'times linear-svm and scikit-learn LinearSVC are trained on Endava, alternately, for the median speed ratio',
    '3',
  )
  .option('--no-sklearn', 'do not run the scikit-learn script even if it is installed (use RESULTS.md)')
  .option('--threads <n>', 'solver threads for training (default: the CPUs available)')
  .option('--json', 'print only the JSON result')
  .parse(process.argv);
const opts = program.opts<{
  profiles: string;
  datasets: string;
  targetPrecision: string;
  latencySamples: string;
  speedRepeats: string;
  sklearn: boolean;
  threads?: string;
  json?: boolean;
}>();
const log = (line: string) => {
  if (!opts.json) console.error(line);
};

const profiles = opts.profiles.split(',').map((p) => p.trim());
for (const p of profiles) if (!isProfileName(p)) program.error(`unknown profile "${p}"`);
const datasetNames = opts.datasets.split(',').map((d) => d.trim());
for (const d of datasetNames) if (!isDatasetName(d)) program.error(`unknown dataset "${d}"`);
const targetPrecision = Number(opts.targetPrecision);
if (!(targetPrecision > 0 && targetPrecision <= 1)) program.error('--target-precision must be in (0, 1]');
const FIXED_THRESHOLD = 0.6;
const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

function sklearnAgreement(dataset: Dataset, predicted: string[]): { agree: number; total: number } | undefined {
  const file = join(REFERENCE_DIR, 'sklearn-predictions-nb_lem_12.csv');
  if (dataset.name !== 'endava' || !existsSync(file)) return undefined;
  const rows = parse(readFileSync(file), { columns: true }) as { row: string; pred: string }[];
  const reference = new Map(rows.map((r) => [Number(r.row), r.pred]));
  let agree = 0;
  dataset.split.test.forEach((row, i) => {
    agree += reference.get(row) === predicted[i] ? 1 : 0;
  });
  return { agree, total: dataset.split.test.length };
}

interface ProfileResult {
  dataset: DatasetName;
  profile: ProfileName;
  parameters: Record<string, unknown>;
  accuracy: number;
  macroF1: number;
  /** At the target precision (threshold fitted on validation rows of train). */
  targetPrecision: number;
  threshold: number;
  /** Whether per-category thresholds were kept, and why. */
  perCategoryThresholds: string;
  coverage: number;
  autoPrecision: number;
  /** At the old fixed threshold. */
  coverageFixed: number;
  autoPrecisionFixed: number;
  ece: number;
  /** Log-loss of the calibrated probabilities on the validation (calibration) rows. */
  calibrationLogLoss?: number;
  validationAccuracy?: number;
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

// Training as the product does it: the one-vs-rest classes on one solver thread per CPU.
const pool = createSolverPool(opts.threads === undefined ? {} : { threads: Number(opts.threads) });
const results: ProfileResult[] = [];
const sklearn: Record<string, SklearnFigures | undefined> = {};
/**
 * linear-svm preprocess + fit (on the solver threads, and on one thread) and
 * LinearSVC preprocess + fit on Endava, trained one after the other.
 */
const speedPairs: { ours: number; sklearn: number; oneThread?: number }[] = [];
const workDir = mkdtempSync(join(tmpdir(), 'triage-bench-'));
for (const datasetName of datasetNames as DatasetName[]) {
  if (!hasDataset(datasetName)) {
    log(`${datasetName}: skipped, not found under the shared folder (set TRIAGE_SHARED_DIR)`);
    continue;
  }
  const dataset = await loadDataset(datasetName);
  const { train, test } = dataset;
  log(`\n${datasetName}: ${dataset.data.texts.length} rows, ${train.texts.length} train / ${test.texts.length} test`);
  for (const name of profiles as ProfileName[]) {
    log(`${datasetName} ${name}: training on ${train.texts.length} rows...`);
    const t0 = performance.now();
    const model = await trainModel({
      texts: train.texts,
      labels: train.labels,
      profile: PROFILES[name],
      targetPrecision,
      solver: pool,
    });
    const trainSeconds = (performance.now() - t0) / 1000;
    const packaged = packageModel(model, {
      lineage: { dataset: { sha256: dataset.data.sha256, rows: train.texts.length } },
    });
    const dir = join(workDir, `${datasetName}-${name}`);
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

    log(`${datasetName} ${name}: evaluating on ${test.texts.length} rows...`);
    const evaluated: EvaluatedPrediction[] = test.texts.map((text, i) => {
      const c = classifier.classify(text, { topK: 1 });
      return {
        actual: test.labels[i]!,
        category: c.category,
        probability: c.probability,
        route: c.route,
        ...(c.reason && { reason: c.reason }),
      };
    });
    const evaluation = evaluatePredictions(evaluated, { labels: classifier.manifest.labels });
    const fixed = routingMetrics(
      evaluated.map((e) => ({ ...e, route: e.probability >= FIXED_THRESHOLD ? 'auto' : 'review' })),
      classifier.manifest.labels,
    );

    const samples = Math.min(Number(opts.latencySamples), test.texts.length);
    const latencies: number[] = [];
    for (let i = 0; i < samples; i++) {
      const t = performance.now();
      classifier.classify(test.texts[i]!);
      latencies.push(performance.now() - t);
    }
    latencies.sort((a, b) => a - b);

    const agreement =
      name === 'reference'
        ? sklearnAgreement(
            dataset,
            evaluated.map((e) => e.category),
          )
        : undefined;
    results.push({
      dataset: datasetName,
      profile: name,
      parameters: model.parameters,
      accuracy: evaluation.accuracy,
      macroF1: evaluation.macroF1,
      targetPrecision: model.routing.targetPrecision,
      threshold: model.routing.threshold,
      perCategoryThresholds: model.routing.fitted.perCategoryNote ?? '',
      coverage: evaluation.routing.coverage,
      autoPrecision: evaluation.routing.autoPrecision,
      coverageFixed: fixed.coverage,
      autoPrecisionFixed: fixed.autoPrecision,
      ece: evaluation.ece,
      ...(model.validation?.logLossAfter !== undefined && { calibrationLogLoss: model.validation.logLossAfter }),
      ...(model.validation?.accuracy !== undefined && { validationAccuracy: model.validation.accuracy }),
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
  if (datasetName === 'endava') {
    if (profiles.includes('reference')) sklearn.nb_lem_12 = sklearnFigures('nb_lem_12', log, { run: opts.sklearn });
    if (profiles.includes('linear-svm')) {
      sklearn.svc_lem_12 = sklearnFigures('svc_lem_12', log, { run: opts.sklearn });
      // More alternating pairs for the speed ratio: the machine's load changes from minute to minute.
      const first = results.find((r) => r.dataset === 'endava' && r.profile === 'linear-svm')!;
      const s = sklearn.svc_lem_12;
      if (s)
        speedPairs.push({
          ours: first.preprocessSeconds + first.fitSeconds,
          sklearn: s.t_preprocess_train_s + s.t_fit_s,
        });
      const seconds = (m: { timings: { preprocessMs: number; validateMs: number; fitMs: number } }) =>
        (m.timings.preprocessMs + m.timings.validateMs + m.timings.fitMs) / 1000;
      const oneThread = async () =>
        seconds(await trainModel({ texts: train.texts, labels: train.labels, profile: PROFILES['linear-svm'] }));
      if (speedPairs[0] && pool.threads > 1) {
        log('linear-svm on one thread...');
        speedPairs[0].oneThread = await oneThread();
      }
      for (let k = 1; s?.source === 'measured now' && k < Number(opts.speedRepeats); k++) {
        log(
          `speed pair ${k + 1}/${opts.speedRepeats}: linear-svm (${pool.threads} threads), LinearSVC, linear-svm (1 thread)...`,
        );
        const model = await trainModel({
          texts: train.texts,
          labels: train.labels,
          profile: PROFILES['linear-svm'],
          solver: pool,
        });
        const again = sklearnFigures('svc_lem_12', log, { run: true });
        if (again?.source !== 'measured now') break;
        speedPairs.push({
          ours: seconds(model),
          sklearn: again.t_preprocess_train_s + again.t_fit_s,
          ...(pool.threads > 1 && { oneThread: await oneThread() }),
        });
      }
    }
  }
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
const routes = (coverage: number, precision: number) => `${percent(coverage)} @ ${percent(precision)}`;
const rows = results.map((r) => [
  r.dataset,
  r.profile,
  percent(r.accuracy),
  percent(r.macroF1),
  routes(r.coverage, r.autoPrecision),
  routes(r.coverageFixed, r.autoPrecisionFixed),
  percent(r.ece),
  r.calibrationLogLoss === undefined ? '-' : r.calibrationLogLoss.toFixed(3),
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
  const r = results.find((x) => x.profile === ours && x.dataset === 'endava');
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
    ours === 'linear-svm' && speedPairs.length > 1
      ? {
          what: `${ours} preprocess+fit (${pool.threads} threads) vs ${theirs} [${s.source}], median of ${speedPairs.length} pairs`,
          ours: `${median(speedPairs.map((p) => p.ours)).toFixed(2)} s`,
          sklearn: `${median(speedPairs.map((p) => p.sklearn)).toFixed(2)} s`,
          ratio: `${median(speedPairs.map((p) => p.ours / p.sklearn)).toFixed(2)}x (goal <= 0.50x; pairs ${speedPairs.map((p) => (p.ours / p.sklearn).toFixed(2)).join(', ')})`,
        }
      : {
          what: `${ours} preprocess+fit vs ${theirs} [${s.source}]`,
          ours: `${mine.toFixed(2)} s`,
          sklearn: `${sk.toFixed(2)} s`,
          ratio: `${(mine / sk).toFixed(2)}x${ours === 'linear-svm' ? ' (goal <= 0.50x)' : ''}`,
        },
    ...(ours === 'linear-svm' && speedPairs.filter((p) => p.oneThread !== undefined).length > 1
      ? [
          {
            what: `${ours} preprocess+fit (1 thread) vs ${theirs}, median of ${speedPairs.filter((p) => p.oneThread !== undefined).length} triples`,
            ours: `${median(speedPairs.flatMap((p) => (p.oneThread === undefined ? [] : [p.oneThread]))).toFixed(2)} s`,
            sklearn: `${median(speedPairs.map((p) => p.sklearn)).toFixed(2)} s`,
            ratio: `${median(speedPairs.flatMap((p) => (p.oneThread === undefined ? [] : [p.oneThread / p.sklearn]))).toFixed(2)}x`,
          },
        ]
      : []),
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

const solverThreads = pool.threads;
await pool.close();
const output = {
  at: new Date().toISOString(),
  node: process.version,
  solverThreads,
  targetPrecision,
  fixedThreshold: FIXED_THRESHOLD,
  results,
  sklearn,
  speedPairs,
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
          'dataset',
          'profile',
          'accuracy',
          'macro-F1',
          `auto @ target ${percent(targetPrecision, 0)}`,
          `auto @ fixed ${FIXED_THRESHOLD}`,
          'ECE',
          'cal. log-loss',
          'same as sklearn',
          'preprocess + fit',
          'predict p50 / p99',
          'artifact',
          'load',
        ],
        rows,
      ),
  );
  console.log('auto = share of test tickets routed automatically @ precision of those routes');
  if (comparisons.length > 0)
    console.log(
      '\n' +
        table(
          ['comparison (Endava)', 'ticket-triage', 'scikit-learn', 'ratio / diff'],
          comparisons.map((c) => [c.what, c.ours, c.sklearn, c.ratio]),
        ),
    );
  console.log(`\nJSON: ${file}`);
}
