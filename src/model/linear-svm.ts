import type { LinearModelData } from './linear.ts';
import { seededRandom, shuffleInPlace } from './random.ts';
import type { SparseMatrix } from './sparse.ts';

export interface LinearSvmOptions {
  /** Inverse regularisation strength (scikit-learn's `C`). */
  readonly c: number;
  /** Stopping tolerance on the projected-gradient spread (liblinear's `eps`). */
  readonly tolerance?: number;
  readonly maxEpochs?: number;
  /**
   * `balanced` weighs each class's positives by n / (classes * n_class), as
   * scikit-learn's `class_weight='balanced'` does in one-vs-rest liblinear
   * (the positives' C is scaled; the rest keep C).
   */
  readonly classWeight?: 'balanced' | 'none';
  /** Value of the constant bias feature (scikit-learn's `intercept_scaling`). */
  readonly biasFeature?: number;
  readonly seed?: number;
  /** Fit on these rows of `x` only (default: every row). `y` is indexed by row of `x` either way. */
  readonly rows?: Int32Array;
  /**
   * Dual variables to start from, `[row * classes + class]` over the rows of
   * `x` (e.g. the {@link LinearSvmFit.dual} of a fit on a subset of the rows):
   * a warm start converges in a few epochs instead of a full fit.
   */
  readonly warmStart?: Float64Array;
  /**
   * Start with only the rows whose warm-start dual variable is positive in the
   * active set, as if the others had been shrunk already (they were outside the
   * margin of the fit warmed from; the stopping test still checks every row).
   */
  readonly shrinkFromWarmStart?: boolean;
  /** Called after each class is trained (for progress reporting). */
  readonly onClassDone?: (classesDone: number, epochs: number) => void;
}

export interface LinearSvmFit {
  readonly model: LinearModelData;
  /** The dual variables, `[row * classes + class]` over the rows of `x` (0 for rows not fitted on). */
  readonly dual: Float64Array;
  /** Epochs used by each class. */
  readonly epochs: Int32Array;
  /** Coordinate visits over all classes (a measure of the work done). */
  readonly visits: number;
}

/**
 * One binary L2-regularised squared-hinge SVM by dual coordinate descent with
 * shrinking: liblinear's `L2R_L2LOSS_SVC_DUAL` solver (Hsieh et al., ICML
 * 2008), the one behind scikit-learn's `LinearSVC`, over the rows `fitRows`
 * of `x`, starting from `alpha` (updated in place, one entry per fitted row).
 * Returns w (with the bias weight last), the epochs and the coordinate visits.
 */
function solveBinary(
  x: SparseMatrix,
  fitRows: Int32Array,
  sqNorm: Float64Array,
  sign: Int8Array,
  cPositive: number,
  cNegative: number,
  alpha: Float64Array,
  options: { tolerance: number; maxEpochs: number; biasValue: number; shrunkStart: boolean },
  random: () => number,
): { w: Float32Array; epochs: number; visits: number } {
  const { cols, indptr, indices, data } = x;
  const n = fitRows.length;
  const biasValue = options.biasValue;
  const diagPositive = 0.5 / cPositive;
  const diagNegative = 0.5 / cNegative;
  const w = new Float32Array(cols + 1);
  const order = new Int32Array(n);
  for (let s = 0; s < n; s++) {
    order[s] = s;
    const a = alpha[s]!;
    if (a === 0) continue;
    const d = a * sign[s]!;
    const i = fitRows[s]!;
    for (let k = indptr[i]!; k < indptr[i + 1]!; k++) w[indices[k]!]! += d * data[k]!;
    w[cols]! += d * biasValue;
  }

  let active = n;
  if (options.shrunkStart) {
    // Rows with a positive dual variable first; the others start shrunk.
    active = 0;
    for (let s = 0; s < n; s++) {
      if (alpha[s]! > 0) {
        order[s] = order[active]!;
        order[active++] = s;
      }
    }
  }
  let pgMaxOld = Infinity;
  let epoch = 0;
  let visits = 0;
  while (epoch < options.maxEpochs) {
    let pgMaxNew = -Infinity;
    let pgMinNew = Infinity;
    shuffleInPlace(order, random, active);
    visits += active;
    for (let o = 0; o < active; o++) {
      const s = order[o]!;
      const i = fitRows[s]!;
      const yi = sign[s]!;
      const diag = yi > 0 ? diagPositive : diagNegative;
      const start = indptr[i]!;
      const end = indptr[i + 1]!;
      let dot = w[cols]! * biasValue;
      for (let k = start; k < end; k++) dot += w[indices[k]!]! * data[k]!;
      const a = alpha[s]!;
      const g = yi * dot - 1 + a * diag;
      let pg = 0;
      if (a === 0) {
        if (g > pgMaxOld) {
          active--;
          order[o] = order[active]!;
          order[active] = s;
          o--;
          continue;
        } else if (g < 0) pg = g;
      } else pg = g;
      if (pg > pgMaxNew) pgMaxNew = pg;
      if (pg < pgMinNew) pgMinNew = pg;
      if (Math.abs(pg) > 1e-12) {
        const next = Math.max(a - g / (sqNorm[s]! + diag), 0);
        alpha[s] = next;
        const d = (next - a) * yi;
        for (let k = start; k < end; k++) w[indices[k]!]! += d * data[k]!;
        w[cols]! += d * biasValue;
      }
    }
    epoch++;
    if (pgMaxNew - pgMinNew <= options.tolerance) {
      if (active === n) break;
      // Converged on the shrunk problem: check again on every row (liblinear).
      active = n;
      pgMaxOld = Infinity;
      continue;
    }
    pgMaxOld = pgMaxNew <= 0 ? Infinity : pgMaxNew;
  }
  return { w, epochs: epoch, visits };
}

/**
 * One-vs-rest linear SVM (liblinear's dual solver, class by class). Returns
 * the weights (float32, feature-major, as {@link LinearModelData}) and the
 * dual variables, from which a fit on more rows can start.
 */
export function fitLinearSvmDual(
  x: SparseMatrix,
  y: Int32Array,
  labels: readonly string[],
  options: LinearSvmOptions,
): LinearSvmFit {
  const tolerance = options.tolerance ?? 0.1;
  const maxEpochs = options.maxEpochs ?? 1000;
  const biasValue = options.biasFeature ?? 1;
  const random = seededRandom(options.seed ?? 42);
  const classes = labels.length;
  const fitRows = options.rows ?? Int32Array.from({ length: x.rows }, (_, i) => i);
  const n = fitRows.length;
  const { cols, indptr, data } = x;

  const counts = new Float64Array(classes);
  for (let s = 0; s < n; s++) counts[y[fitRows[s]!]!]!++;
  // Squared norm of each fitted row (+ the bias feature), shared by every class.
  const sqNorm = new Float64Array(n);
  for (let s = 0; s < n; s++) {
    const i = fitRows[s]!;
    let sq = biasValue * biasValue;
    for (let k = indptr[i]!; k < indptr[i + 1]!; k++) sq += data[k]! * data[k]!;
    sqNorm[s] = sq;
  }

  const dual = new Float64Array(x.rows * classes);
  const weights = new Float32Array(cols * classes);
  const bias = new Float64Array(classes);
  const epochs = new Int32Array(classes);
  const sign = new Int8Array(n);
  const alpha = new Float64Array(n);
  let visits = 0;
  for (let c = 0; c < classes; c++) {
    for (let s = 0; s < n; s++) {
      const i = fitRows[s]!;
      sign[s] = y[i] === c ? 1 : -1;
      alpha[s] = options.warmStart ? Math.max(0, options.warmStart[i * classes + c]!) : 0;
    }
    const weight = options.classWeight === 'balanced' && counts[c]! > 0 ? n / (classes * counts[c]!) : 1;
    const solved = solveBinary(
      x,
      fitRows,
      sqNorm,
      sign,
      options.c * weight,
      options.c,
      alpha,
      {
        tolerance,
        maxEpochs,
        biasValue,
        shrunkStart: options.shrinkFromWarmStart === true && options.warmStart !== undefined,
      },
      random,
    );
    for (let s = 0; s < n; s++) dual[fitRows[s]! * classes + c] = alpha[s]!;
    for (let t = 0; t < cols; t++) weights[t * classes + c] = solved.w[t]!;
    bias[c] = solved.w[cols]! * biasValue;
    epochs[c] = solved.epochs;
    visits += solved.visits;
    options.onClassDone?.(c + 1, solved.epochs);
  }
  return {
    model: { labels, numFeatures: cols, weights, bias, probability: { kind: 'softmax', scale: 1 } },
    dual,
    epochs,
    visits,
  };
}

/** One-vs-rest linear SVM; probabilities come from {@link fitSoftmaxScale}. */
export function fitLinearSvm(
  x: SparseMatrix,
  y: Int32Array,
  labels: readonly string[],
  options: LinearSvmOptions,
): LinearModelData {
  return fitLinearSvmDual(x, y, labels, options).model;
}
