import { createPreprocessor } from '../text/preprocess.ts';
import { fitSoftmaxScale } from './calibration.ts';
import { linearClassifier, argmax, type LinearModelData } from './linear.ts';
import { fitLinearSvm } from './linear-svm.ts';
import { fitNaiveBayes } from './naive-bayes.ts';
import { NB_ALPHA_GRID, SVM_C_GRID, type ClassifierSpec, type ProfileSpec } from './profiles.ts';
import { seededRandom, shuffleInPlace } from './random.ts';
import { row, type SparseMatrix } from './sparse.ts';
import { pruneFeatures } from './prune.ts';
import { fitTfidf, tfidfVectorizer, transformAll, type TfidfData } from './tfidf.ts';
import { TriageError } from '../errors.ts';

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
  readonly onProgress?: (progress: TrainingProgress) => void;
}

/** What the validation split decided. */
export interface ValidationReport {
  readonly rows: number;
  /** Accuracy of each candidate hyper-parameter value tried. */
  readonly candidates: readonly { readonly value: number; readonly accuracy: number }[];
  readonly chosen: number;
  readonly logLossBefore?: number;
  readonly logLossAfter?: number;
}

export interface TrainedModel {
  readonly profile: ProfileSpec;
  /** The fitted hyper-parameters (after 'auto' was resolved). */
  readonly parameters: Readonly<Record<string, number | string | boolean>>;
  readonly tfidf: TfidfData;
  readonly classifier: LinearModelData;
  readonly trainingRows: number;
  readonly validation?: ValidationReport;
  readonly timings: { readonly preprocessMs: number; readonly validateMs: number; readonly fitMs: number };
}

export class TrainingDataError extends TriageError {
  override readonly name = 'TrainingDataError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'InvalidInput', options);
  }
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
    holdout.push(...rows.slice(0, take));
    train.push(...rows.slice(take));
  }
  return {
    train: Int32Array.from(train.sort((a, b) => a - b)),
    holdout: Int32Array.from(holdout.sort((a, b) => a - b)),
  };
}

function fitClassifier(
  spec: ClassifierSpec,
  x: SparseMatrix,
  y: Int32Array,
  labels: readonly string[],
  value: number,
): LinearModelData {
  return spec.kind === 'naive-bayes'
    ? fitNaiveBayes(x, y, labels, { variant: spec.variant, alpha: value })
    : fitLinearSvm(x, y, labels, { c: value, tolerance: spec.tolerance, classWeight: spec.classWeight });
}

function hyperParameter(spec: ClassifierSpec): number | 'auto' {
  return spec.kind === 'naive-bayes' ? spec.alpha : spec.c;
}

function needsValidation(spec: ClassifierSpec): boolean {
  return hyperParameter(spec) === 'auto' || spec.calibrate;
}

/**
 * Trains a model of `profile` on labelled texts: preprocess -> (validation
 * split: choose alpha/C, fit the probability temperature) -> TF-IDF over all
 * rows -> classifier. Pure and deterministic for a given seed.
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

  const t0 = performance.now();
  const preprocessor = await createPreprocessor(profile.preprocess);
  const docs: string[][] = new Array(texts.length);
  const step = Math.max(1, Math.floor(texts.length / 100));
  for (let i = 0; i < texts.length; i++) {
    docs[i] = preprocessor.preprocess(texts[i]!).tokens;
    if (onProgress && (i % step === 0 || i === texts.length - 1))
      onProgress({ phase: 'preprocess', done: i + 1, total: texts.length });
  }
  const t1 = performance.now();

  const spec = profile.classifier;
  let chosen = hyperParameter(spec);
  let scale = 1;
  const pruneBelow = spec.kind === 'linear-svm' ? (spec.pruneBelow ?? 0) : 0;
  let validation: ValidationReport | undefined;
  if (needsValidation(spec)) {
    const { train, holdout } = stratifiedHoldout(y, labels.length, input.validationShare ?? 0.1, input.seed ?? 42);
    if (holdout.length === 0) throw new TrainingDataError('too few rows per category to hold out a validation split');
    const fitted = fitTfidf(
      Array.from(train, (i) => docs[i]!),
      profile.preprocess.ngramRange,
    );
    const xTrain = fitted.matrix;
    const holdoutDocs = Array.from(holdout, (i) => docs[i]!);
    const xHold = transformAll(fitted.vectorizer, holdoutDocs);
    const yTrain = Int32Array.from(train, (i) => y[i]!);
    const yHold = Int32Array.from(holdout, (i) => y[i]!);
    const grid = chosen === 'auto' ? (spec.kind === 'naive-bayes' ? NB_ALPHA_GRID : SVM_C_GRID) : [chosen];
    const candidates: { value: number; accuracy: number; scores: Float64Array[] }[] = [];
    for (const [g, value] of grid.entries()) {
      const fittedClassifier = fitClassifier(spec, xTrain, yTrain, labels, value);
      // Judge (and calibrate) the model as it will be served: pruned, if the profile prunes.
      let model = linearClassifier(fittedClassifier);
      let x = xHold;
      if (pruneBelow > 0) {
        const pruned = pruneFeatures(fitted.data, fittedClassifier, pruneBelow);
        model = linearClassifier(pruned.classifier);
        x = transformAll(tfidfVectorizer(pruned.tfidf), holdoutDocs);
      }
      const scores = Array.from({ length: x.rows }, (_, r) => model.scores(row(x, r)));
      let correct = 0;
      scores.forEach((s, r) => {
        if (argmax(s) === yHold[r]) correct += 1;
      });
      candidates.push({ value, accuracy: correct / xHold.rows, scores });
      onProgress?.({ phase: 'validate', done: g + 1, total: grid.length });
    }
    // Best accuracy; ties go to the earlier (more regularised / smoother) value.
    const best = candidates.reduce((a, b) => (b.accuracy > a.accuracy ? b : a));
    chosen = best.value;
    let calibration: { scale: number; logLossBefore: number; logLossAfter: number } | undefined;
    if (spec.calibrate) {
      calibration = fitSoftmaxScale(best.scores, yHold);
      scale = calibration.scale;
    }
    validation = {
      rows: holdout.length,
      candidates: candidates.map(({ value, accuracy }) => ({ value, accuracy })),
      chosen,
      ...(calibration && { logLossBefore: calibration.logLossBefore, logLossAfter: calibration.logLossAfter }),
    };
  }
  const t2 = performance.now();

  onProgress?.({ phase: 'fit', done: 0, total: 1 });
  const fitted = fitTfidf(docs, profile.preprocess.ngramRange);
  const full = fitClassifier(spec, fitted.matrix, y, labels, chosen as number);
  const { tfidf, classifier } =
    pruneBelow > 0 ? pruneFeatures(fitted.data, full, pruneBelow) : { tfidf: fitted.data, classifier: full };
  onProgress?.({ phase: 'fit', done: 1, total: 1 });
  const t3 = performance.now();

  const parameters: Record<string, number | string | boolean> =
    spec.kind === 'naive-bayes'
      ? { classifier: `${spec.variant}-naive-bayes`, alpha: chosen as number, softmaxScale: scale }
      : {
          classifier: 'linear-svm-ovr',
          c: chosen as number,
          tolerance: spec.tolerance,
          classWeight: spec.classWeight,
          pruneBelow,
          softmaxScale: scale,
        };
  parameters.ngramMin = profile.preprocess.ngramRange[0];
  parameters.ngramMax = profile.preprocess.ngramRange[1];
  return {
    profile,
    parameters,
    tfidf,
    classifier: { ...classifier, probability: { kind: 'softmax', scale } },
    trainingRows: texts.length,
    ...(validation && { validation }),
    timings: { preprocessMs: t1 - t0, validateMs: t2 - t1, fitMs: t3 - t2 },
  };
}
