/**
 * `npm run bench:cv`: k-fold cross-validation on the *training* rows of a
 * dataset, for choosing a profile's settings without looking at the test rows.
 * Each fold trains exactly as `triage train` does (its own validation folds,
 * calibration and routing) on the other folds and is scored as served: accuracy,
 * and coverage @ precision of the automatic routes for several Wilson-bound
 * settings of the threshold (`z`).
 *
 *   npm run bench:cv -- --dataset endava --folds 3 "linear-svm" "linear-svm:tol=0.1" "linear-svm-char:c=0.25"
 *
 * A variant is `<profile>[:key=value,...]` with keys `c`, `tol` (solver
 * tolerance), `minDf`, `cal` (calibration epochs), `z` (the threshold's Wilson
 * bound), `folds` (validation folds inside each training run), `clf`
 * (`logistic` or `linear-svm`), `prune` (the pruning threshold), `cw` (the
 * character block's weight), `sub` (1: sublinear tf on the word n-grams).
 */
import { Command } from 'commander';
import { linearClassifier } from '../src/model/linear.ts';
import { isProfileName, PROFILES, type ProfileSpec } from '../src/model/profiles.ts';
import { seededRandom, shuffleInPlace } from '../src/model/random.ts';
import { retarget } from '../src/model/routing.ts';
import { tfidfVectorizer } from '../src/model/tfidf.ts';
import { compareCodePoints, trainModel } from '../src/model/train.ts';
import { createPreprocessor } from '../src/text/preprocess.ts';
import { hasDataset, isDatasetName, loadDataset, type DatasetName } from './datasets.ts';

const program = new Command('bench:cv')
  .argument('<variants...>', 'profile[:key=value,...]')
  .option('--dataset <name>', 'endava or banking77', 'endava')
  .option('--folds <k>', 'cross-validation folds', '3')
  .parse(process.argv);
const opts = program.opts<{ dataset: string; folds: string }>();
if (!isDatasetName(opts.dataset)) program.error(`unknown dataset "${opts.dataset}"`);
if (!hasDataset(opts.dataset as DatasetName)) {
  console.log(`bench:cv: skipped, ${opts.dataset} is not in the shared folder`);
  process.exit(0);
}
const K = Number(opts.folds);
const d = await loadDataset(opts.dataset as DatasetName);
const n = d.train.texts.length;
const byClass = new Map<string, number[]>();
d.train.labels.forEach((l, i) => {
  byClass.set(l, [...(byClass.get(l) ?? []), i]);
});
const fold = new Int32Array(n);
const random = seededRandom(2024);
let next = 0;
for (const label of [...byClass.keys()].sort(compareCodePoints)) {
  const rows = byClass.get(label)!;
  shuffleInPlace(rows, random);
  for (const r of rows) fold[r] = next++ % K;
}

function variant(spec: string): { profile: ProfileSpec; validationFolds: number } {
  const [name, params] = spec.split(':');
  if (!isProfileName(name!)) program.error(`unknown profile "${name}"`);
  const base = PROFILES[name as keyof typeof PROFILES];
  const features: Record<string, unknown> = { ...base.features };
  const classifier = { ...base.classifier } as Record<string, unknown>;
  const routing = { ...(base.routing ?? { unknownRate: 0, unknownSignal: 'max-score' as const }) };
  let validationFolds = 2;
  for (const kv of (params ?? '').split(',').filter(Boolean)) {
    const [key, value] = kv.split('=');
    const v = Number(value);
    if (key === 'c') classifier.c = v;
    else if (key === 'tol') classifier.tolerance = v;
    else if (key === 'cal') classifier.calibrationEpochs = v;
    else if (key === 'minDf') features.minDf = v;
    else if (key === 'z') routing.confidenceZ = v;
    else if (key === 'folds') validationFolds = v;
    else if (key === 'clf' && (value === 'logistic' || value === 'linear-svm')) classifier.kind = value;
    else if (key === 'prune') classifier.pruneBelow = v;
    else if (key === 'sub') features.sublinearTf = v === 1;
    else if (key === 'cw' && base.features?.char) features.char = { ...base.features.char, weight: v };
    else program.error(`unknown setting "${key}"`);
  }
  return { profile: { ...base, features, classifier, routing } as unknown as ProfileSpec, validationFolds };
}

const Z = [0, 0.5, 1];
for (const spec of program.args) {
  const { profile, validationFolds } = variant(spec);
  const accuracies: number[] = [];
  const coverage = Z.map(() => 0);
  const precision = Z.map(() => 0);
  let cpuMs = 0;
  for (let f = 0; f < K; f++) {
    const train: number[] = [];
    const test: number[] = [];
    for (let i = 0; i < n; i++) (fold[i] === f ? test : train).push(i);
    const c0 = process.cpuUsage();
    const model = await trainModel({
      texts: train.map((i) => d.train.texts[i]!),
      labels: train.map((i) => d.train.labels[i]!),
      profile,
      validationFolds,
    });
    const cpu = process.cpuUsage(c0);
    cpuMs += (cpu.user + cpu.system) / 1000;
    const preprocessor = await createPreprocessor(profile.preprocess);
    const vectorizer = tfidfVectorizer(model.tfidf);
    const classifier = linearClassifier(model.classifier);
    const thresholds = Z.map(
      (z) => retarget({ ...model.routing, confidenceZ: z }, model.routing.targetPrecision).threshold,
    );
    const auto = Z.map(() => 0);
    const autoRight = Z.map(() => 0);
    let right = 0;
    for (const i of test) {
      const p = classifier.predict(vectorizer.transform(preprocessor.preprocess(d.train.texts[i]!).tokens), {
        topK: 1,
      });
      const ok = p.category === d.train.labels[i];
      if (ok) right++;
      thresholds.forEach((t, j) => {
        if (p.probability >= t) {
          auto[j]!++;
          if (ok) autoRight[j]!++;
        }
      });
    }
    accuracies.push(right / test.length);
    Z.forEach((_, j) => {
      coverage[j]! += auto[j]! / test.length / K;
      precision[j]! += (auto[j] ? autoRight[j]! / auto[j]! : 0) / K;
    });
  }
  const mean = accuracies.reduce((a, b) => a + b, 0) / K;
  console.log(
    `${opts.dataset} ${spec.padEnd(36)} accuracy ${(mean * 100).toFixed(2)}% (${accuracies.map((a) => (a * 100).toFixed(2)).join(' ')})` +
      `  routed @ precision for the 95% target: ${Z.map((z, j) => `z=${z} ${(coverage[j]! * 100).toFixed(1)}% @ ${(precision[j]! * 100).toFixed(2)}%`).join(', ')}` +
      `  CPU ${(cpuMs / K / 1000).toFixed(1)} s per fold`,
  );
}
