/**
 * `npm run bench:open-set`: the open-set protocol on BANKING77 (or Endava).
 * For each seed, `--hold-out-categories N` categories drawn at random are left
 * out of training; their test rows are unknown. Prints, per seed and on
 * average, the closed-set accuracy on the in-scope test rows (no unknown
 * rule), the in-scope accuracy with it (right and not sent to review as
 * unknown), and the unknown recall and precision. The closed-set accuracy
 * is that of the model trained on every category, on the same in-scope rows;
 * the open-set model's accuracy there without its unknown rule is shown too.
 *
 * `--choose` shows how the unknown rule was chosen, on training rows only:
 * per seed, N more categories of the training rows play unknown; the model is
 * fitted on 80% of the other categories' rows; on the remaining 20% (half to
 * set each rule's threshold, half to judge it) and the pseudo-unknown rows,
 * each signal and rate gives a recall and an in-scope accuracy loss.
 *
 *   npm run bench:open-set -- --dataset banking77 --hold-out-categories 10 --seeds 1,2,3,4,5
 */
import { Command } from 'commander';
import { evaluatePredictions, type EvaluatedPrediction } from '../src/model/evaluation.ts';
import { linearClassifier, type Prediction } from '../src/model/linear.ts';
import { chooseHeldOutCategories } from '../src/model/open-set.ts';
import {
  DEFAULT_PROFILE,
  isProfileName,
  OPEN_SET_UNKNOWN_RATE,
  PROFILES,
  type ProfileName,
} from '../src/model/profiles.ts';
import { signalValue, UNKNOWN_SIGNALS, type UnknownSignal } from '../src/model/routing.ts';
import { tfidfVectorizer } from '../src/model/tfidf.ts';
import { stratifiedHoldout, trainModel, type TrainedModel } from '../src/model/train.ts';
import { createPreprocessor } from '../src/text/preprocess.ts';
import { percent, table } from '../src/cli/output.ts';
import { hasDataset, isDatasetName, loadDataset, type DatasetName } from './datasets.ts';
import { saveBenchResult } from './results.ts';

const program = new Command('bench:open-set')
  .option('--dataset <name>', 'endava or banking77', 'banking77')
  .option('--profile <name>', 'model profile', DEFAULT_PROFILE)
  .option('--hold-out-categories <n>', 'categories left out of training per seed', '10')
  .option('--seeds <list>', 'comma-separated seeds', '1,2,3,4,5')
  .option(
    '--unknown-rate <r>',
    'share of in-scope validation rows the unknown rule flags',
    String(OPEN_SET_UNKNOWN_RATE),
  )
  .option('--unknown-signal <s>', `the unknown rule's signal (${UNKNOWN_SIGNALS.join(', ')})`)
  .option('--choose', 'compare signals and rates on training rows only (pseudo-unknown categories)')
  .parse(process.argv);
const opts = program.opts<{
  dataset: string;
  profile: string;
  holdOutCategories: string;
  seeds: string;
  unknownRate: string;
  unknownSignal?: string;
  choose?: boolean;
}>();
if (!isDatasetName(opts.dataset)) program.error(`unknown dataset "${opts.dataset}"`);
const datasetName = opts.dataset as DatasetName;
if (!isProfileName(opts.profile)) program.error(`unknown profile "${opts.profile}"`);
if (!hasDataset(datasetName)) {
  console.log(`bench:open-set: skipped, ${opts.dataset} is not in the shared folder (set TRIAGE_SHARED_DIR)`);
  process.exit(0);
}
const profile = PROFILES[opts.profile as ProfileName];
const held = Number(opts.holdOutCategories);
const seeds = opts.seeds.split(',').map(Number);
const unknownRate = Number(opts.unknownRate);
const unknownSignal = (opts.unknownSignal ?? profile.routing?.unknownSignal ?? 'max-score') as UnknownSignal;
const dataset = await loadDataset(datasetName);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

async function predictorOf(model: TrainedModel): Promise<(text: string) => Prediction> {
  const preprocessor = await createPreprocessor(model.profile.preprocess);
  const vectorizer = tfidfVectorizer(model.tfidf);
  const classifier = linearClassifier(model.classifier);
  return (text) => classifier.predict(vectorizer.transform(preprocessor.preprocess(text).tokens), { topK: 1 });
}

if (opts.choose) {
  const RATES = [0.02, 0.04, 0.06, 0.08, 0.1, 0.15];
  const found = new Map<string, { recall: number[]; loss: number[]; lossAll: number[] }>();
  for (const seed of seeds) {
    const heldOut = new Set(chooseHeldOutCategories(dataset.train.labels, held, seed));
    const knownRows = dataset.train.labels.flatMap((l, i) => (heldOut.has(l) ? [] : [i]));
    const pseudo = new Set(
      chooseHeldOutCategories(
        knownRows.map((i) => dataset.train.labels[i]!),
        held,
        seed + 1000,
      ),
    );
    const inScope = knownRows.filter((i) => !pseudo.has(dataset.train.labels[i]!));
    const pseudoRows = knownRows.filter((i) => pseudo.has(dataset.train.labels[i]!));
    const labels = [...new Set(inScope.map((i) => dataset.train.labels[i]!))].sort();
    const y = Int32Array.from(inScope, (i) => labels.indexOf(dataset.train.labels[i]!));
    const { train, holdout } = stratifiedHoldout(y, labels.length, 0.2, seed);
    // The closed-set model: the same rows plus 80% of the pseudo-unknown categories' rows.
    const pseudoLabels = [...pseudo].sort();
    const yPseudo = Int32Array.from(pseudoRows, (i) => pseudoLabels.indexOf(dataset.train.labels[i]!));
    const pseudoSplit = stratifiedHoldout(yPseudo, pseudoLabels.length, 0.2, seed);
    const closedRows = [
      ...Array.from(train, (s) => inScope[s]!),
      ...Array.from(pseudoSplit.train, (s) => pseudoRows[s]!),
    ];
    const closedModel = await trainModel({
      texts: closedRows.map((i) => dataset.train.texts[i]!),
      labels: closedRows.map((i) => dataset.train.labels[i]!),
      profile,
    });
    const predictClosed = await predictorOf(closedModel);
    const model = await trainModel({
      texts: Array.from(train, (s) => dataset.train.texts[inScope[s]!]!),
      labels: Array.from(train, (s) => dataset.train.labels[inScope[s]!]!),
      profile,
    });
    const predict = await predictorOf(model);
    const setRows = Array.from(holdout).filter((_, k) => k % 2 === 0);
    const judgeRows = Array.from(holdout).filter((_, k) => k % 2 === 1);
    const setPredictions = setRows.map((s) => predict(dataset.train.texts[inScope[s]!]!));
    const judged = judgeRows.map((s) => ({
      p: predict(dataset.train.texts[inScope[s]!]!),
      right: false,
      label: dataset.train.labels[inScope[s]!]!,
    }));
    for (const j of judged) j.right = j.p.category === j.label;
    const unknownPredictions = Array.from(pseudoSplit.holdout, (s) => predict(dataset.train.texts[pseudoRows[s]!]!));
    const closed = judged.filter((j) => j.right).length / judged.length;
    const closedAll =
      judgeRows.filter(
        (s) => predictClosed(dataset.train.texts[inScope[s]!]!).category === dataset.train.labels[inScope[s]!],
      ).length / judgeRows.length;
    for (const signal of UNKNOWN_SIGNALS) {
      const values = setPredictions.map((p) => signalValue(signal, p)).sort((a, b) => a - b);
      for (const rate of RATES) {
        const below = values[Math.floor(rate * values.length)]!;
        const kept = judged.filter((j) => j.right && signalValue(signal, j.p) >= below).length / judged.length;
        const recall =
          unknownPredictions.filter((p) => signalValue(signal, p) < below).length / unknownPredictions.length;
        const key = `${signal} ${rate}`;
        const entry = found.get(key) ?? { recall: [], loss: [], lossAll: [] };
        entry.recall.push(recall);
        entry.loss.push(closed - kept);
        entry.lossAll.push(closedAll - kept);
        found.set(key, entry);
      }
    }
    console.error(`seed ${seed}: pseudo-unknown ${[...pseudo].join(', ')}`);
  }
  console.log(
    table(
      ['signal', 'rate', 'unknown recall', 'loss vs same model', 'loss vs closed-set model'],
      [...found.entries()].map(([key, v]) => {
        const [signal, rate] = key.split(' ');
        return [
          signal!,
          rate!,
          percent(mean(v.recall)),
          `${(mean(v.loss) * 100).toFixed(2)} pt`,
          `${(mean(v.lossAll) * 100).toFixed(2)} pt`,
        ];
      }),
    ),
  );
  console.log(`(${opts.dataset} training rows only, ${seeds.length} seeds, ${held} pseudo-unknown categories each)`);
  process.exit(0);
}

interface SeedResult {
  seed: number;
  heldOut: string[];
  /** The open-set model without its unknown rule, on the in-scope test rows. */
  closedSetAccuracy: number;
  /** The model trained on every category, on the same in-scope test rows. */
  allCategoriesAccuracy: number;
  inScopeAccuracy: number;
  unknownRecall: number;
  unknownPrecision: number;
  coverage: number;
  autoPrecision: number;
}
// The closed-set model: every category, every training row.
const closedModel = await trainModel({ texts: dataset.train.texts, labels: dataset.train.labels, profile });
const predictClosed = await predictorOf(closedModel);
const closedPredictions = dataset.test.texts.map((text) => predictClosed(text).category);
const results: SeedResult[] = [];
for (const seed of seeds) {
  const heldOut = chooseHeldOutCategories(dataset.train.labels, held, seed);
  const out = new Set(heldOut);
  const rows = dataset.train.labels.flatMap((l, i) => (out.has(l) ? [] : [i]));
  const model = await trainModel({
    texts: rows.map((i) => dataset.train.texts[i]!),
    labels: rows.map((i) => dataset.train.labels[i]!),
    profile,
    unknownRate,
    unknownSignal,
  });
  const predict = await predictorOf(model);
  const evaluated: EvaluatedPrediction[] = dataset.test.texts.map((text, i) => {
    const p = predict(text);
    const actual = dataset.test.labels[i]!;
    return {
      actual: out.has(actual) ? '(unknown)' : actual,
      category: p.category,
      probability: p.probability,
      route: p.route,
      ...(p.reason && { reason: p.reason }),
    };
  });
  const e = evaluatePredictions(evaluated, { labels: model.classifier.labels, unknownLabel: '(unknown)' });
  const o = e.openSet!;
  let inScopeRows = 0;
  let allRight = 0;
  dataset.test.labels.forEach((label, i) => {
    if (out.has(label)) return;
    inScopeRows++;
    if (closedPredictions[i] === label) allRight++;
  });
  results.push({
    seed,
    heldOut,
    closedSetAccuracy: o.closedSetAccuracy,
    allCategoriesAccuracy: allRight / inScopeRows,
    inScopeAccuracy: o.inScopeAccuracy,
    unknownRecall: o.unknownRecall,
    unknownPrecision: o.unknownPrecision,
    coverage: e.routing.coverage,
    autoPrecision: e.routing.autoPrecision,
  });
  console.error(`seed ${seed}: held out ${heldOut.join(', ')}`);
}
const rows = results.map((r) => [
  String(r.seed),
  percent(r.allCategoriesAccuracy),
  percent(r.closedSetAccuracy),
  percent(r.inScopeAccuracy),
  `${((r.allCategoriesAccuracy - r.inScopeAccuracy) * 100).toFixed(2)} pt`,
  `${((r.closedSetAccuracy - r.inScopeAccuracy) * 100).toFixed(2)} pt`,
  percent(r.unknownRecall),
  percent(r.unknownPrecision),
  `${percent(r.coverage)} @ ${percent(r.autoPrecision)}`,
]);
const avg = (f: (r: SeedResult) => number) => mean(results.map(f));
rows.push([
  'mean',
  percent(avg((r) => r.allCategoriesAccuracy)),
  percent(avg((r) => r.closedSetAccuracy)),
  percent(avg((r) => r.inScopeAccuracy)),
  `${(avg((r) => r.allCategoriesAccuracy - r.inScopeAccuracy) * 100).toFixed(2)} pt`,
  `${(avg((r) => r.closedSetAccuracy - r.inScopeAccuracy) * 100).toFixed(2)} pt`,
  percent(avg((r) => r.unknownRecall)),
  percent(avg((r) => r.unknownPrecision)),
  `${percent(avg((r) => r.coverage))} @ ${percent(avg((r) => r.autoPrecision))}`,
]);
console.log(
  table(
    [
      'seed',
      'closed-set acc. (all categories)',
      'open-set model, no rule',
      'in-scope accuracy',
      'gap vs closed-set',
      'gap vs no rule',
      'unknown recall',
      'unknown precision',
      'auto @ precision',
    ],
    rows,
  ),
);
console.log(
  `${opts.dataset}, profile ${opts.profile}, ${held} categories held out per seed; unknown rule: ${unknownSignal} flagging ${percent(unknownRate, 0)} of in-scope validation rows (goal: recall >= 60%, gap <= 3 pt)`,
);
const at = new Date().toISOString();
const output = {
  at,
  dataset: opts.dataset,
  profile: opts.profile,
  heldOutCategories: held,
  unknownRate,
  unknownSignal,
  results,
};
const file = saveBenchResult('open-set', output);
console.log(`JSON: ${file}`);
