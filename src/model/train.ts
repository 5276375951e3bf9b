import { createPreprocessor } from '../text/preprocess.ts';
import { fitSoftmaxScale } from './calibration.ts';
import { argmax, softmax, type LinearModelData } from './linear.ts';
import {
  IN_THREAD_RUNNER,
  linearSvmFitOf,
  oneVsRestProblem,
  rowSquaredNorms,
  type LinearSvmFit,
  type LinearSvmOptions,
  type OneVsRestRunner,
} from './linear-svm.ts';
import { fitNaiveBayes } from './naive-bayes.ts';
import { withMixedRows, type OutlierExposureOptions } from './outlier-exposure.ts';
import { LOGISTIC_C_GRID, NB_ALPHA_GRID, SVM_C_GRID, type ProfileSpec } from './profiles.ts';
import { featuresToKeep, selectFeatures } from './prune.ts';
import { seededRandom, shuffleInPlace } from './random.ts';
import { fitRoutingPolicy, type RoutingPolicy, type UnknownSignal, type ValidationPrediction } from './routing.ts';
import { selectRows, type SparseMatrix } from './sparse.ts';
import { tfidfFitter, type TfidfData, type TfidfOptions } from './tfidf.ts';

/** The precision a model's automatic routes aim for unless told otherwise (`TARGET_PRECISION`). */
export const DEFAULT_TARGET_PRECISION = 0.95;

export type TrainingPhase = 'preprocess' | 'validate' | 'fit';
export interface TrainingProgress {
  readonly phase: TrainingPhase;
  readonly done: number;
  readonly total: number;
}

export interface TrainingInput {
  readonly texts: readonly string[];
  readonly labels: readonly string[];
  readonly profile: ProfileSpec;
  /** Share of training rows held out to choose hyper-parameters / calibrate (default 0.1). */
  readonly validationShare?: number;
  readonly seed?: number;
  /**
   * Disjoint validation folds of `validationShare` each (default 2): each is
   * scored by a calibration model fitted without it, and the temperature and
   * routing policy are fitted on all of them (more rows, steadier thresholds).
   */
  readonly validationFolds?: number;
  readonly onProgress?: (progress: TrainingProgress) => void;
  /** Precision the automatic routes aim for (default {@link DEFAULT_TARGET_PRECISION}). */
  readonly targetPrecision?: number;
  /** Share of in-scope validation rows the unknown rule flags (default: the profile's). */
  readonly unknownRate?: number;
  /**
   * Share of in-scope validation rows *predicted right* the unknown rule may
   * flag: the in-scope accuracy it may cost (default: the profile's; when
   * set, it is the rule's criterion instead of `unknownRate`).
   */
  readonly unknownCost?: number;
  readonly unknownSignal?: UnknownSignal;
  /**
   * Solves the one-vs-rest classes of the linear SVM fits (default: one after
   * the other on this thread; `src/training` has one that uses worker threads).
   */
  readonly solver?: OneVsRestRunner;
  /**
   * Synthetic mixed rows as negatives of every category while fitting a model
   * with an unknown rule (default: the profile's; `false`: none). See
   * {@link withMixedRows}.
   */
  readonly outlierExposure?: OutlierExposureOptions | false;
  /** Keep the validation rows' raw score vectors in {@link TrainedModel.validationScores} (default false). */
  readonly keepValidationScores?: boolean;
}

/** What the validation split decided. */
export interface ValidationReport {
  readonly rows: number;
  /** Accuracy of each candidate hyper-parameter value tried. */
  readonly candidates: readonly { readonly value: number; readonly accuracy: number }[];
  readonly chosen: number;
  readonly logLossBefore?: number;
  readonly logLossAfter?: number;
  /** Accuracy of the calibration model on the validation rows. */
  readonly accuracy?: number;
}

export interface TrainedModel {
  readonly profile: ProfileSpec;
  /** The fitted hyper-parameters (after 'auto' was resolved). */
  readonly parameters: Readonly<Record<string, number | string | boolean>>;
  readonly tfidf: TfidfData;
  readonly classifier: LinearModelData;
  /** When predictions are routed automatically (also in `classifier.routing`). */
  readonly routing: RoutingPolicy;
  readonly trainingRows: number;
  /** Features the TF-IDF kept before the classifier's pruning (word n-grams in minDf+ rows, character n-grams). */
  readonly fittedFeatures: { readonly words: number; readonly characters: number };
  readonly validation: ValidationReport;
  /**
   * The validation rows as the routing policy saw them (scored by models not
   * fitted on them): enough to fit another policy without training again.
   */
  readonly validationPredictions: readonly ValidationPrediction[];
  /**
   * With {@link TrainingInput.keepValidationScores}: those rows' raw score
   * vectors and their indices in the training rows (same order), for
   * benchmarks that study other unknown signals.
   */
  readonly validationScores?: { readonly scores: readonly Float64Array[]; readonly rows: Int32Array };
  readonly timings: { readonly preprocessMs: number; readonly validateMs: number; readonly fitMs: number };
}

export class TrainingDataError extends Error {
  override readonly name = 'TrainingDataError';
}

/** Code-point order, as Python sorts strings (np.unique label order). */
export function compareCodePoints(a: string, b: string): number {
  const ca = [...a];
  const cb = [...b];
  for (let i = 0; i < Math.min(ca.length, cb.length); i++) {
    const d = ca[i]!.codePointAt(0)! - cb[i]!.codePointAt(0)!;
    if (d !== 0) return d;
  }
  return ca.length - cb.length;
}

/** `target.push(...items)` without spreading: a spread of a million arguments overflows the stack. */
function appendAll<T>(target: T[], items: readonly T[]): void {
  for (const item of items) target.push(item);
}

/** Stratified hold-out: about `share` of every class with 2+ rows, seeded. */
export function stratifiedHoldout(
  y: Int32Array,
  classes: number,
  share: number,
  seed: number,
): { train: Int32Array; holdout: Int32Array } {
  const byClass: number[][] = Array.from({ length: classes }, () => []);
  for (let i = 0; i < y.length; i++) byClass[y[i]!]!.push(i);
  const random = seededRandom(seed);
  const train: number[] = [];
  const holdout: number[] = [];
  for (const rows of byClass) {
    shuffleInPlace(rows, random);
    const take = rows.length >= 2 ? Math.max(1, Math.round(rows.length * share)) : 0;
    appendAll(holdout, rows.slice(0, take));
    appendAll(train, rows.slice(take));
  }
  return {
    train: Int32Array.from(train.sort((a, b) => a - b)),
    holdout: Int32Array.from(holdout.sort((a, b) => a - b)),
  };
}

/**
 * `folds` disjoint stratified hold-outs of about `share` of every class with
 * enough rows (seeded): `holdouts[k]` are the rows of fold k, sorted.
 */
export function stratifiedHoldouts(
  y: Int32Array,
  classes: number,
  share: number,
  folds: number,
  seed: number,
): Int32Array[] {
  const byClass: number[][] = Array.from({ length: classes }, () => []);
  for (let i = 0; i < y.length; i++) byClass[y[i]!]!.push(i);
  const random = seededRandom(seed);
  const out: number[][] = Array.from({ length: folds }, () => []);
  for (const rows of byClass) {
    shuffleInPlace(rows, random);
    // Every fold takes `take` rows; a class keeps at least one row for fitting.
    const take = rows.length >= 2 ? Math.max(1, Math.round(rows.length * share)) : 0;
    let at = 0;
    for (let k = 0; k < folds && rows.length - at - take >= 1; k++) {
      appendAll(out[k]!, rows.slice(at, at + take));
      at += take;
    }
  }
  return out.map((rows) => Int32Array.from(rows.sort((a, b) => a - b)));
}

export function tfidfOptions(profile: ProfileSpec): TfidfOptions {
  const f = profile.features ?? {};
  return {
    ngramRange: profile.preprocess.ngramRange,
    ...(f.sublinearTf && { sublinearTf: true }),
    ...(f.minDf !== undefined && { minDf: f.minDf }),
    ...(f.float32 && { float32: true }),
    ...(f.uint16 && { uint16: true }),
    ...(f.char && { char: f.char }),
  };
}

/**
 * Scores of `rows` of `x` as a model served over only the `usable` features
 * would compute them: the other features dropped, each block (words,
 * characters) L2-normalised again over what is left and scaled by its weight
 * (`blockWeight` for features from `wordFeatures` on).
 */
export function scoreRowsOver(
  model: LinearModelData,
  x: SparseMatrix,
  rows: ArrayLike<number>,
  usable: Uint8Array,
  wordFeatures: number,
  blockWeight: number,
): Float64Array[] {
  const classes = model.labels.length;
  const out: Float64Array[] = [];
  const { indptr, indices, data } = x;
  const valueScale = x.valueScale ?? 1;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    let wordSq = 0;
    let charSq = 0;
    for (let k = indptr[r]!; k < indptr[r + 1]!; k++) {
      const t = indices[k]!;
      if (!usable[t]) continue;
      const v = data[k]! * valueScale;
      if (t < wordFeatures) wordSq += v * v;
      else charSq += v * v;
    }
    const wordScale = wordSq > 0 ? 1 / Math.sqrt(wordSq) : 0;
    const charScale = charSq > 0 ? blockWeight / Math.sqrt(charSq) : 0;
    const s = Float64Array.from(model.bias);
    for (let k = indptr[r]!; k < indptr[r + 1]!; k++) {
      const t = indices[k]!;
      if (!usable[t]) continue;
      const v = data[k]! * valueScale * (t < wordFeatures ? wordScale : charScale);
      const base = t * classes;
      for (let c = 0; c < classes; c++) s[c]! += v * model.weights[base + c]!;
    }
    out.push(s);
  }
  return out;
}

/**
 * Trains a model of `profile` on labelled texts. Pure and deterministic for a
 * given seed.
 *
 * preprocess -> TF-IDF over all rows -> the classifier on all rows ->
 * a validation split of the training rows that the *calibration model* was
 * not fitted on: for the linear SVM, the final fit warm-started without those
 * rows (`calibrationEpochs` epochs over the rows inside its margin: as good as
 * a second full fit, at a tenth of its cost); for Naive Bayes (cheap), a fit
 * on the other rows.
 * On the validation rows, scored as the served model would score them (only
 * n-grams seen in the other rows, pruned features dropped): the
 * hyper-parameter when 'auto', the softmax temperature, and the routing
 * policy (the threshold for the target precision, the unknown rule).
 */
export async function trainModel(input: TrainingInput): Promise<TrainedModel> {
  const { texts, labels: rawLabels, profile, onProgress } = input;
  if (texts.length !== rawLabels.length) throw new TrainingDataError('texts and labels differ in length');
  if (texts.length === 0) throw new TrainingDataError('no training rows');
  const labels = [...new Set(rawLabels)].sort(compareCodePoints);
  if (labels.length < 2)
    throw new TrainingDataError(
      `training needs at least 2 categories; the data has only ${labels.length === 1 ? `"${labels[0]}"` : 'none'}`,
    );
  const labelIndex = new Map(labels.map((l, i) => [l, i]));
  const y = Int32Array.from(rawLabels, (l) => labelIndex.get(l)!);
  const classes = labels.length;

  const solver = input.solver ?? IN_THREAD_RUNNER;
  const t0 = performance.now();
  const preprocessor = await createPreprocessor(profile.preprocess);
  // Each text is preprocessed and counted at once: no row's tokens are kept as strings.
  const counting = tfidfFitter({ ...tfidfOptions(profile), sharedMemory: solver.sharedMemory });
  const step = Math.max(1, Math.floor(texts.length / 100));
  for (let i = 0; i < texts.length; i++) {
    counting.add(preprocessor.preprocess(texts[i]!).tokens);
    if (onProgress && (i % step === 0 || i === texts.length - 1))
      onProgress({ phase: 'preprocess', done: i + 1, total: texts.length });
  }
  const t1 = performance.now();

  onProgress?.({ phase: 'fit', done: 0, total: 1 });
  const features = counting.finish();
  const x = features.matrix;
  const blockWeight = profile.features?.char?.weight ?? 1;
  const share = input.validationShare ?? 0.1;
  const seed = input.seed ?? 42;
  const folds = stratifiedHoldouts(y, classes, share, Math.max(1, input.validationFolds ?? 2), seed).filter(
    (f) => f.length > 0,
  );
  if (folds.length === 0) throw new TrainingDataError('too few rows per category to hold out a validation split');
  const spec = profile.classifier;
  const unknownRate = input.unknownRate ?? profile.routing?.unknownRate ?? 0;
  // An explicit rate without an explicit cost asks for the rule by rate.
  const unknownCost =
    input.unknownRate !== undefined && input.unknownCost === undefined
      ? 0
      : (input.unknownCost ?? profile.routing?.unknownCost ?? 0);
  const exposure =
    (unknownRate > 0 || unknownCost > 0) && spec.kind !== 'naive-bayes'
      ? (input.outlierExposure ?? profile.routing?.outlierExposure)
      : undefined;
  // What the classifier is fitted on: the rows, then (with outlier exposure) the synthetic mixed rows.
  const exposed = exposure
    ? withMixedRows(x, y, { ...exposure, seed: exposure.seed ?? seed }, solver.sharedMemory)
    : undefined;
  const fitX = exposed?.matrix ?? x;
  const fitY = exposed?.y ?? y;
  /** Rows of `fitX` without the fold's rows and the mixed rows made from them. */
  const rowsWithout = (fold: Int32Array) => {
    const out = new Uint8Array(fitX.rows).fill(1);
    for (const r of fold) out[r] = 0;
    if (exposed)
      for (let m = x.rows; m < fitX.rows; m++) {
        const k = m - x.rows;
        if (!out[exposed.parents[2 * k]!] || !out[exposed.parents[2 * k + 1]!]) out[m] = 0;
      }
    const rows: number[] = [];
    for (let r = 0; r < fitX.rows; r++) if (out[r]) rows.push(r);
    return Int32Array.from(rows);
  };
  const seenWithout = (train: Int32Array) => {
    const seen = new Uint8Array(x.cols);
    for (const r of train) for (let k = fitX.indptr[r]!; k < fitX.indptr[r + 1]!; k++) seen[fitX.indices[k]!] = 1;
    return seen;
  };
  const holdout = Int32Array.from(folds.flatMap((f) => Array.from(f)));
  const yHold = Int32Array.from(holdout, (i) => y[i]!);
  const accuracyOf = (scores: Float64Array[], rows: Int32Array = holdout) => {
    let correct = 0;
    scores.forEach((s, r) => {
      correct += argmax(s) === y[rows[r]!] ? 1 : 0;
    });
    return correct / scores.length;
  };

  const pruneBelow = spec.kind !== 'naive-bayes' ? (spec.pruneBelow ?? 0) : 0;
  const candidates: { value: number; accuracy: number }[] = [];
  let chosen: number;
  let full: LinearModelData;
  const holdoutScores: Float64Array[] = [];
  let validateMs = 0;
  const usableGiven = (seen: Uint8Array, keep: Int32Array | undefined) => {
    if (!keep) return seen;
    const usable = new Uint8Array(x.cols);
    for (const t of keep) usable[t] = seen[t]!;
    return usable;
  };
  if (spec.kind !== 'naive-bayes') {
    const options = { tolerance: spec.tolerance, classWeight: spec.classWeight, seed };
    // One-vs-rest by dual coordinate descent: the squared-hinge SVM or logistic regression.
    const loss = spec.kind === 'logistic' ? ('logistic' as const) : ('squared-hinge' as const);
    const grid = spec.kind === 'logistic' ? LOGISTIC_C_GRID : SVM_C_GRID;
    // The fits' classes are solved by `solver` (in parallel when it has threads), several fits at once.
    const sqNorm = rowSquaredNorms(fitX, 1, solver.sharedMemory);
    const fitAll = async (list: readonly LinearSvmOptions[]): Promise<LinearSvmFit[]> => {
      const problems = list.map((o) =>
        oneVsRestProblem(fitX, fitY, classes, { ...o, loss }, { shared: solver.sharedMemory, sqNorm }),
      );
      await solver.solve(problems);
      return problems.map((p) => linearSvmFitOf(p, labels));
    };
    let fullFit: LinearSvmFit;
    if (spec.c === 'auto') {
      // Choose C on the first validation fold: one fit per value on the other rows.
      const tv = performance.now();
      const train = rowsWithout(folds[0]!);
      const seen = seenWithout(train);
      let best: { value: number; accuracy: number; fit: LinearSvmFit } | undefined;
      const fits = await fitAll(grid.map((value) => ({ ...options, c: value, rows: train })));
      for (const [g, value] of grid.entries()) {
        const fit = fits[g]!;
        const keep = pruneBelow > 0 ? featuresToKeep(fit.model, pruneBelow) : undefined;
        const scores = scoreRowsOver(
          fit.model,
          x,
          folds[0]!,
          usableGiven(seen, keep),
          features.wordFeatures,
          blockWeight,
        );
        const accuracy = accuracyOf(scores, folds[0]!);
        candidates.push({ value, accuracy });
        if (!best || accuracy > best.accuracy) best = { value, accuracy, fit };
        onProgress?.({ phase: 'validate', done: g + 1, total: grid.length });
      }
      chosen = best!.value;
      validateMs += performance.now() - tv;
      fullFit = (await fitAll([{ ...options, c: chosen, warmStart: best!.fit.dual }]))[0]!;
    } else {
      chosen = spec.c;
      fullFit = (await fitAll([{ ...options, c: chosen }]))[0]!;
    }
    full = fullFit.model;
    const keep = pruneBelow > 0 ? featuresToKeep(full, pruneBelow) : undefined;
    // Each fold scored by the full fit warm-started without it (a few epochs re-fit it to the other rows).
    const tv = performance.now();
    const trains = folds.map(rowsWithout);
    const calibrations = await fitAll(
      trains.map((train) => ({
        ...options,
        c: chosen,
        rows: train,
        warmStart: fullFit.dual,
        maxEpochs: spec.calibrationEpochs ?? 3,
        shrinkFromWarmStart: true,
        keepDual: false,
      })),
    );
    folds.forEach((fold, k) => {
      const usable = usableGiven(seenWithout(trains[k]!), keep);
      appendAll(
        holdoutScores,
        scoreRowsOver(calibrations[k]!.model, x, fold, usable, features.wordFeatures, blockWeight),
      );
    });
    validateMs += performance.now() - tv;
    if (spec.c !== 'auto') candidates.push({ value: chosen, accuracy: accuracyOf(holdoutScores) });
  } else {
    const tv = performance.now();
    const grid = spec.alpha === 'auto' ? NB_ALPHA_GRID : [spec.alpha];
    const perValue = grid.map(() => [] as Float64Array[]);
    for (const fold of folds) {
      const train = rowsWithout(fold);
      const seen = seenWithout(train);
      const xTrain = selectRows(x, train);
      const yTrain = Int32Array.from(train, (i) => y[i]!);
      for (const [g, value] of grid.entries()) {
        const fit = fitNaiveBayes(xTrain, yTrain, labels, { variant: spec.variant, alpha: value });
        appendAll(perValue[g]!, scoreRowsOver(fit, x, fold, seen, features.wordFeatures, blockWeight));
      }
    }
    let best = 0;
    for (const [g, value] of grid.entries()) {
      const accuracy = accuracyOf(perValue[g]!);
      candidates.push({ value, accuracy });
      // Best accuracy; ties go to the earlier (smoother) value.
      if (accuracy > candidates[best]!.accuracy) best = g;
      onProgress?.({ phase: 'validate', done: g + 1, total: grid.length });
    }
    chosen = grid[best]!;
    appendAll(holdoutScores, perValue[best]!);
    validateMs += performance.now() - tv;
    full = fitNaiveBayes(x, y, labels, { variant: spec.variant, alpha: chosen });
  }

  const tc = performance.now();
  let scale = 1;
  let calibrated: { scale: number; logLossBefore: number; logLossAfter: number } | undefined;
  if (spec.calibrate) {
    calibrated = fitSoftmaxScale(holdoutScores, yHold);
    scale = calibrated.scale;
  }
  const validationPredictions: ValidationPrediction[] = holdoutScores.map((s, r) => {
    const p = softmax(s, scale);
    const best = argmax(s);
    let second = -Infinity;
    for (let c = 0; c < classes; c++) if (c !== best && s[c]! > second) second = s[c]!;
    return {
      category: labels[best]!,
      probability: p[best]!,
      maxScore: s[best]!,
      margin: s[best]! - second,
      correct: best === yHold[r],
    };
  });
  const routing = fitRoutingPolicy(validationPredictions, {
    targetPrecision: input.targetPrecision ?? DEFAULT_TARGET_PRECISION,
    unknownRate,
    unknownCost,
    unknownSignal: input.unknownSignal ?? profile.routing?.unknownSignal ?? 'max-score',
    ...(profile.routing?.confidenceZ !== undefined && { confidenceZ: profile.routing.confidenceZ }),
  });
  validateMs += performance.now() - tc;

  const keep = pruneBelow > 0 ? featuresToKeep(full, pruneBelow) : undefined;
  const tfidf = features.select(keep);
  const classifier = keep ? selectFeatures(full, keep) : full;
  onProgress?.({ phase: 'fit', done: 1, total: 1 });
  const t2 = performance.now();

  const validation: ValidationReport = {
    rows: holdout.length,
    candidates,
    chosen,
    accuracy: candidates.find((c) => c.value === chosen)?.accuracy ?? accuracyOf(holdoutScores),
    ...(calibrated && { logLossBefore: calibrated.logLossBefore, logLossAfter: calibrated.logLossAfter }),
  };
  const parameters: Record<string, number | string | boolean> =
    spec.kind === 'naive-bayes'
      ? { classifier: `${spec.variant}-naive-bayes`, alpha: chosen, softmaxScale: scale }
      : {
          classifier: spec.kind === 'logistic' ? 'logistic-ovr' : 'linear-svm-ovr',
          c: chosen,
          tolerance: spec.tolerance,
          classWeight: spec.classWeight,
          pruneBelow,
          softmaxScale: scale,
        };
  parameters.ngramMin = profile.preprocess.ngramRange[0];
  parameters.ngramMax = profile.preprocess.ngramRange[1];
  if (profile.features?.sublinearTf) parameters.sublinearTf = true;
  if (profile.features?.minDf) parameters.minDf = profile.features.minDf;
  if (profile.features?.char) {
    parameters.charNgramMin = profile.features.char.ngramRange[0];
    parameters.charNgramMax = profile.features.char.ngramRange[1];
  }
  parameters.targetPrecision = routing.targetPrecision;
  parameters.threshold = routing.threshold;
  return {
    profile,
    parameters,
    tfidf,
    classifier: { ...classifier, probability: { kind: 'softmax', scale }, routing },
    routing,
    trainingRows: texts.length,
    fittedFeatures: { words: features.wordFeatures, characters: x.cols - features.wordFeatures },
    validation,
    validationPredictions,
    ...(input.keepValidationScores && { validationScores: { scores: holdoutScores, rows: holdout } }),
    timings: { preprocessMs: t1 - t0, validateMs, fitMs: t2 - t1 - validateMs },
  };
}
