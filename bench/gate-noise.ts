/**
 * `npm run bench:gate`: how far the promotion gate's figures move between
 * models that are equally good — the same profile trained on the same rows,
 * differing only in the seed that picks their validation folds (so their
 * temperature and routing threshold). What such a pair differs by is noise;
 * a tolerance below it refuses retrained models for nothing.
 *
 * Training rows only: a stratified 20% of the training split is the judging
 * holdout (as the base holdout is in production), the rest trains every model.
 * For every ordered pair (candidate, model in service) it runs the gate
 * (`decideGate`) and prints how often each coverage tolerance would refuse the
 * candidate on coverage at the target precision, beside the accuracy rule.
 *
 *   npm run bench:gate -- --dataset endava --profile linear-svm --seeds 1,2,3,4
 *   npm run bench:gate -- --dataset banking77 --profile linear-svm-char --seeds 1,2,3,4
 */
import { Command } from 'commander';
import { MODEL_FILES, packageModel } from '../src/model/artifact.ts';
import { evaluatePredictions } from '../src/model/evaluation.ts';
import { isProfileName, PROFILES, type ProfileName } from '../src/model/profiles.ts';
import { loadTicketClassifier, type TicketClassifier } from '../src/model/ticket-classifier.ts';
import { compareCodePoints, stratifiedHoldout, trainModel } from '../src/model/train.ts';
import { judgedFiguresOf, predictAll, type JudgedFigures } from '../src/retraining/evaluate.ts';
import { decideGate } from '../src/retraining/gate.ts';
import { hasDataset, isDatasetName, loadDataset, type DatasetName } from './datasets.ts';

const program = new Command('bench:gate')
  .option('--dataset <name>', 'endava or banking77', 'endava')
  .option('--profile <name>', 'profile of every model', 'linear-svm')
  .option('--seeds <list>', 'training seeds, comma-separated (one model each)', '1,2,3,4')
  .option('--target-precision <p>', 'the precision target', '0.95')
  .parse(process.argv);
const opts = program.opts<{ dataset: string; profile: string; seeds: string; targetPrecision: string }>();
if (!isDatasetName(opts.dataset)) program.error(`unknown dataset "${opts.dataset}"`);
if (!isProfileName(opts.profile)) program.error(`unknown profile "${opts.profile}"`);
if (!hasDataset(opts.dataset as DatasetName)) {
  console.log(`bench:gate: skipped, ${opts.dataset} is not in the shared folder`);
  process.exit(0);
}
const seeds = opts.seeds.split(',').map(Number);
const target = Number(opts.targetPrecision);
const d = await loadDataset(opts.dataset as DatasetName);
const labels = [...new Set(d.train.labels)].sort(compareCodePoints);
const index = new Map(labels.map((l, i) => [l, i]));
const { train, holdout } = stratifiedHoldout(
  Int32Array.from(d.train.labels, (l) => index.get(l)!),
  labels.length,
  0.2,
  2024,
);
const texts = Array.from(train, (i) => d.train.texts[i]!);
const trainLabels = Array.from(train, (i) => d.train.labels[i]!);
const judging = Array.from(holdout, (i) => ({ text: d.train.texts[i]!, label: d.train.labels[i]! }));
console.log(
  `${opts.dataset}, ${opts.profile}: ${texts.length} training rows, ${judging.length} judging rows (of the training split), target ${target}`,
);

const models: TicketClassifier[] = [];
for (const seed of seeds) {
  const started = performance.now();
  const trained = await trainModel({
    texts,
    labels: trainLabels,
    profile: PROFILES[opts.profile as ProfileName],
    seed,
    targetPrecision: target,
  });
  const packaged = packageModel(trained, { lineage: { dataset: { sha256: '0'.repeat(64), rows: texts.length } } });
  models.push(
    await loadTicketClassifier(packaged.manifest, {
      vectorizer: packaged.files[MODEL_FILES.vectorizer]!,
      classifier: packaged.files[MODEL_FILES.classifier]!,
    }),
  );
  console.log(
    `  seed ${seed}: threshold ${trained.routing.threshold.toFixed(3)} (${((performance.now() - started) / 1000).toFixed(1)} s)`,
  );
}
const routed = predictAll(
  models,
  judging.map((r) => r.text),
);
const figures: JudgedFigures[] = routed.map((rows, m) => {
  const withActual = rows.map((r, i) => ({ ...r, actual: judging[i]!.label }));
  const evaluation = evaluatePredictions(withActual, { labels });
  return judgedFiguresOf(evaluation, withActual, models[m]!.classifier.data.routing);
});
const pct = (x: number, digits = 2) => `${(x * 100).toFixed(digits)}%`;
figures.forEach((f, m) => {
  console.log(
    `  seed ${seeds[m]}: accuracy ${pct(f.accuracy)}, coverage ${pct(f.coverage)} at precision ${pct(f.autoPrecision)}, coverage at the target ${pct(f.coverageAtTarget)}, ECE ${pct(f.ece)}`,
  );
});

const pairs: [JudgedFigures, JudgedFigures][] = [];
for (let a = 0; a < figures.length; a++)
  for (let b = 0; b < figures.length; b++) if (a !== b) pairs.push([figures[a]!, figures[b]!]);
const drops = pairs.map(([c, s]) => s.coverageAtTarget - c.coverageAtTarget).sort((x, y) => x - y);
const median = (xs: number[]) => xs[Math.floor(xs.length / 2)] ?? 0;
console.log(
  `\n${pairs.length} ordered pairs (candidate, in service): drop in coverage at the target: median |drop| ${pct(median(drops.map(Math.abs)))}, largest ${pct(Math.max(...drops))}`,
);
for (const tolerance of [0, 0.005, 0.01, 0.02, 0.03, 0.05]) {
  let coverageRefused = 0;
  let accuracyRefused = 0;
  for (const [candidate, inService] of pairs) {
    const gate = decideGate(candidate, inService, { accuracy: 0, macroF1: 0.01, coverage: tolerance });
    if (candidate.coverageAtTarget < gate.required.coverageAtTarget) coverageRefused++;
    if (candidate.accuracy < gate.required.accuracy || candidate.macroF1 < gate.required.macroF1) accuracyRefused++;
  }
  console.log(
    `  COVERAGE_TOLERANCE ${tolerance.toFixed(3)}: refuses ${coverageRefused} of ${pairs.length} equally good candidates on coverage (the accuracy rule, ACCURACY_TOLERANCE 0 and MACRO_F1_TOLERANCE 0.01: ${accuracyRefused})`,
  );
}
