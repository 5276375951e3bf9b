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
  /** Called after each class is trained (for progress reporting). */
  readonly onClassDone?: (classIndex: number, epochs: number) => void;
}

/**
 * One binary L2-regularised squared-hinge SVM by dual coordinate descent with
 * shrinking: liblinear's `L2R_L2LOSS_SVC_DUAL` solver (Hsieh et al., ICML
 * 2008), the one behind scikit-learn's `LinearSVC`. Returns w (with the bias
 * weight last) and the epochs used.
 */
type SolverOptions = Required<Omit<LinearSvmOptions, 'onClassDone' | 'classWeight' | 'c'>>;

function solveBinary(
  x: SparseMatrix,
  positive: Uint8Array,
  cPositive: number,
  cNegative: number,
  options: SolverOptions,
  random: () => number,
): { w: Float64Array; epochs: number } {
  const { rows, cols, indptr, indices, data } = x;
  const biasValue = options.biasFeature;
  const diagPositive = 0.5 / cPositive;
  const diagNegative = 0.5 / cNegative;
  const w = new Float64Array(cols + 1);
  const alpha = new Float64Array(rows);
  const qd = new Float64Array(rows);
  const order = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    let sq = biasValue * biasValue + (positive[i] ? diagPositive : diagNegative);
    for (let k = indptr[i]!; k < indptr[i + 1]!; k++) sq += data[k]! * data[k]!;
    qd[i] = sq;
    order[i] = i;
  }

  let active = rows;
  let pgMaxOld = Infinity;
  let pgMinOld = -Infinity;
  let epoch = 0;
  while (epoch < options.maxEpochs) {
    let pgMaxNew = -Infinity;
    let pgMinNew = Infinity;
    shuffleInPlace(order, random, active);
    for (let s = 0; s < active; s++) {
      const i = order[s]!;
      const yi = positive[i] ? 1 : -1;
      const diag = positive[i] ? diagPositive : diagNegative;
      let dot = w[cols]! * biasValue;
      for (let k = indptr[i]!; k < indptr[i + 1]!; k++) dot += w[indices[k]!]! * data[k]!;
      const g = yi * dot - 1 + alpha[i]! * diag;
      let pg = 0;
      if (alpha[i] === 0) {
        if (g > pgMaxOld) {
          active--;
          order[s] = order[active]!;
          order[active] = i;
          s--;
          continue;
        } else if (g < 0) pg = g;
      } else pg = g;
      if (pg > pgMaxNew) pgMaxNew = pg;
      if (pg < pgMinNew) pgMinNew = pg;
      if (Math.abs(pg) > 1e-12) {
        const old = alpha[i]!;
        alpha[i] = Math.max(old - g / qd[i]!, 0);
        const d = (alpha[i]! - old) * yi;
        for (let k = indptr[i]!; k < indptr[i + 1]!; k++) w[indices[k]!]! += d * data[k]!;
        w[cols]! += d * biasValue;
      }
    }
    epoch++;
    if (pgMaxNew - pgMinNew <= options.tolerance) {
      if (active === rows) break;
      active = rows;
      pgMaxOld = Infinity;
      pgMinOld = -Infinity;
      continue;
    }
    pgMaxOld = pgMaxNew <= 0 ? Infinity : pgMaxNew;
    pgMinOld = pgMinNew >= 0 ? -Infinity : pgMinNew;
  }
  void pgMinOld;
  return { w, epochs: epoch };
}

/** One-vs-rest linear SVM; probabilities come from {@link fitSoftmaxScale}. */
export function fitLinearSvm(
  x: SparseMatrix,
  y: Int32Array,
  labels: readonly string[],
  options: LinearSvmOptions,
): LinearModelData {
  const resolved: SolverOptions = {
    tolerance: options.tolerance ?? 0.1,
    maxEpochs: options.maxEpochs ?? 1000,
    biasFeature: options.biasFeature ?? 1,
    seed: options.seed ?? 42,
  };
  const classes = labels.length;
  const weights = new Float32Array(x.cols * classes);
  const bias = new Float64Array(classes);
  const random = seededRandom(resolved.seed);
  const positive = new Uint8Array(x.rows);
  const counts = new Float64Array(classes);
  for (let r = 0; r < x.rows; r++) counts[y[r]!]!++;
  for (let c = 0; c < classes; c++) {
    for (let r = 0; r < x.rows; r++) positive[r] = y[r] === c ? 1 : 0;
    const weight = options.classWeight === 'balanced' && counts[c]! > 0 ? x.rows / (classes * counts[c]!) : 1;
    const { w, epochs } = solveBinary(x, positive, options.c * weight, options.c, resolved, random);
    for (let t = 0; t < x.cols; t++) weights[t * classes + c] = w[t]!;
    bias[c] = w[x.cols]! * resolved.biasFeature;
    options.onClassDone?.(c, epochs);
  }
  return { labels, numFeatures: x.cols, weights, bias, probability: { kind: 'softmax', scale: 1 } };
}
