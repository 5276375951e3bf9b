import type { LinearModelData } from './linear.ts';
import { solveLogisticClasses } from './logistic.ts';
import type { OneVsRestLoss, OneVsRestProblem } from './one-vs-rest-problem.ts';
import { seededRandom, shuffleInPlace } from './random.ts';
import { allocateFloat32, allocateFloat64, allocateInt32, type SparseMatrix } from './sparse.ts';

export type { OneVsRestLoss, OneVsRestProblem } from './one-vs-rest-problem.ts';

export interface LinearSvmOptions {
  /** Inverse regularisation strength (scikit-learn's `C`). */
  readonly c: number;
  /** Default `squared-hinge`. */
  readonly loss?: OneVsRestLoss;
  /**
   * Stopping tolerance (liblinear's `eps`): on the projected-gradient spread
   * for the squared hinge, on the largest sub-problem gradient for the logistic loss.
   */
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
  /**
   * Fit on these rows of `x` only (default: every row). `y` is indexed by row
   * of `x` either way; rows labelled outside the classes (e.g. -1) are
   * negatives of every class.
   */
  readonly rows?: Int32Array;
  /**
   * Dual variables to start from, class-major over the rows of `x`
   * (`[class * x.rows + row]`, e.g. the {@link LinearSvmFit.dual} of a fit
   * on other rows): a warm start converges in a few epochs instead of a full fit.
   */
  readonly warmStart?: Float64Array;
  /**
   * Start with only the rows whose warm-start dual variable is positive in the
   * active set, as if the others had been shrunk already (they were outside the
   * margin of the fit warmed from; the stopping test still checks every row).
   */
  readonly shrinkFromWarmStart?: boolean;
  /** Keep the dual variables (default true; a fit that is only scored does not need them). */
  readonly keepDual?: boolean;
}

export interface LinearSvmFit {
  readonly model: LinearModelData;
  /**
   * The dual variables, class-major over the rows of `x`: `[class * x.rows + row]`
   * (0 for rows not fitted on; empty when `keepDual` was false).
   */
  readonly dual: Float64Array;
  /** Epochs used by each class. */
  readonly epochs: Int32Array;
  /** Coordinate visits over all classes (a measure of the work done). */
  readonly visits: number;
}

/**
 * Fits the classes of one-vs-rest problems, on this thread or on several:
 * `solve` resolves once every class of every problem is solved (its outputs
 * written). `sharedMemory`: the problems' arrays must be on
 * `SharedArrayBuffer`s (the runner hands them to other threads).
 */
export interface OneVsRestRunner {
  readonly sharedMemory: boolean;
  /** How many classes it solves at once (1: on the calling thread). */
  readonly threads: number;
  solve(problems: readonly OneVsRestProblem[]): Promise<void>;
}

/** Solves every class on the calling thread, one after the other. */
export const IN_THREAD_RUNNER: OneVsRestRunner = {
  sharedMemory: false,
  threads: 1,
  solve(problems) {
    const tasks = planTasks(problems, 1);
    for (let k = 0; k < tasks.length; k += 3) solveClasses(problems[tasks[k]!]!, tasks[k + 1]!, tasks[k + 2]!);
    return Promise.resolve();
  },
};

/** Most classes one solver pass fits at once (see {@link solveClasses}). */
export const MAX_LANES = 8;

/**
 * Classes `first .. first + count)` of `problem`, each against the rest: an
 * L2-regularised squared-hinge SVM by dual coordinate descent with
 * shrinking, liblinear's `L2R_L2LOSS_SVC_DUAL` solver (Hsieh et al., ICML
 * 2008), the one behind scikit-learn's `LinearSVC`. Writes each class's
 * weights (bias last), dual variables, epochs and visits into the problem's
 * outputs.
 *
 * The classes are independent problems, fitted side by side ("lanes") in one
 * pass over the rows: each row's features are read once for all of them, and
 * their weights sit next to each other (`w[feature * count + lane]`), one
 * cache line for several classes. The training time is mostly memory
 * traffic, so 4-8 lanes fit about twice the classes per second of one.
 *
 * Every epoch visits the rows in a random order drawn from `problem.seed`
 * alone (the same for every class); a class visits the rows still active for
 * it (liblinear's shrinking), in that order. So a class's fit is the same bit
 * for bit whichever classes share its pass and whichever thread runs it.
 */
export function solveClasses(problem: OneVsRestProblem, first: number, count: number): void {
  if (count < 1 || count > MAX_LANES || first < 0 || first + count > problem.classes)
    throw new RangeError(`classes ${first}..${first + count - 1} are not 1 to ${MAX_LANES} classes of the problem`);
  if (problem.loss === 'logistic') solveLogisticClasses(problem, first, count);
  else solveSquaredHingeClasses(problem, first, count);
}

/** The squared-hinge classes of {@link solveClasses}. */
function solveSquaredHingeClasses(problem: OneVsRestProblem, first: number, count: number): void {
  const { x, y, fitRows, sqNorm, warmStart, biasValue, tolerance, maxEpochs } = problem;
  const { cols, indptr, indices, data } = x;
  // Entry values are data[k] * valueScale: sums over data[k] are scaled once, updates carry the scale.
  const valueScale = x.valueScale ?? 1;
  const n = fitRows.length;
  const lanes = count;
  const w = new Float32Array(cols * lanes);
  const biasWeight = new Float32Array(lanes);
  const alpha = new Float64Array(n * lanes);
  // Per row, a bit per lane: still active (not shrunk) for that class.
  const activeMask = new Uint8Array(n);
  const active = new Int32Array(lanes);
  const diagPositive = new Float64Array(lanes);
  const diagNegative = new Float64Array(lanes);
  const pgMaxOld = new Float64Array(lanes).fill(Infinity);
  const pgMaxNew = new Float64Array(lanes);
  const pgMinNew = new Float64Array(lanes);
  const dots = new Float64Array(lanes);
  const deltas = new Float64Array(lanes);
  const biasSteps = new Float64Array(lanes);
  const epochs = new Int32Array(lanes);
  const visits = new Float64Array(lanes);
  let running = 0; // lanes not converged yet (bits)
  for (let g = 0; g < lanes; g++) {
    diagPositive[g] = 0.5 / problem.cPositive[first + g]!;
    diagNegative[g] = 0.5 / problem.cNegative;
    running |= 1 << g;
  }
  const shrunkStart = problem.shrinkFromWarmStart && warmStart !== undefined;

  // Warm start: w = sum of alpha * y * x over the rows (in row order, as one class alone would add them).
  for (let s = 0; s < n; s++) {
    const i = fitRows[s]!;
    const label = y[i]!;
    let positive = 0;
    for (let g = 0; g < lanes; g++) {
      const a = warmStart ? Math.max(0, warmStart[(first + g) * x.rows + i]!) : 0;
      alpha[s * lanes + g] = a;
      const signed = label === first + g ? a : -a;
      deltas[g] = a === 0 ? 0 : signed * valueScale;
      biasSteps[g] = a === 0 ? 0 : signed * biasValue;
      if (a !== 0) positive |= 1 << g;
      if (!shrunkStart || a > 0) {
        activeMask[s]! |= 1 << g;
        active[g]!++;
      }
    }
    if (positive === 0) continue;
    for (let k = indptr[i]!; k < indptr[i + 1]!; k++) {
      const base = indices[k]! * lanes;
      const v = data[k]!;
      for (let g = 0; g < lanes; g++) if (positive & (1 << g)) w[base + g]! += deltas[g]! * v;
    }
    for (let g = 0; g < lanes; g++) if (positive & (1 << g)) biasWeight[g]! += biasSteps[g]!;
  }

  const random = seededRandom(problem.seed);
  const order = new Int32Array(n);
  for (let s = 0; s < n; s++) order[s] = s;
  for (let epoch = 0; epoch < maxEpochs && running !== 0; epoch++) {
    shuffleInPlace(order, random, n);
    for (let g = 0; g < lanes; g++) {
      if (!(running & (1 << g))) continue;
      pgMaxNew[g] = -Infinity;
      pgMinNew[g] = Infinity;
      visits[g]! += active[g]!;
    }
    for (let o = 0; o < n; o++) {
      const s = order[o]!;
      const mask = activeMask[s]! & running;
      if (mask === 0) continue;
      const i = fitRows[s]!;
      const start = indptr[i]!;
      const end = indptr[i + 1]!;
      for (let g = 0; g < lanes; g++) dots[g] = 0;
      if (lanes === 1) {
        let dot = 0;
        for (let k = start; k < end; k++) dot += w[indices[k]!]! * data[k]!;
        dots[0] = dot;
      } else if (lanes === 8) {
        // Unrolled: the sums stay in registers.
        let d0 = dots[0]!;
        let d1 = dots[1]!;
        let d2 = dots[2]!;
        let d3 = dots[3]!;
        let d4 = dots[4]!;
        let d5 = dots[5]!;
        let d6 = dots[6]!;
        let d7 = dots[7]!;
        for (let k = start; k < end; k++) {
          const base = indices[k]! << 3;
          const v = data[k]!;
          d0 += w[base]! * v;
          d1 += w[base + 1]! * v;
          d2 += w[base + 2]! * v;
          d3 += w[base + 3]! * v;
          d4 += w[base + 4]! * v;
          d5 += w[base + 5]! * v;
          d6 += w[base + 6]! * v;
          d7 += w[base + 7]! * v;
        }
        dots[0] = d0;
        dots[1] = d1;
        dots[2] = d2;
        dots[3] = d3;
        dots[4] = d4;
        dots[5] = d5;
        dots[6] = d6;
        dots[7] = d7;
      } else if (lanes === 4) {
        let d0 = dots[0]!;
        let d1 = dots[1]!;
        let d2 = dots[2]!;
        let d3 = dots[3]!;
        for (let k = start; k < end; k++) {
          const base = indices[k]! << 2;
          const v = data[k]!;
          d0 += w[base]! * v;
          d1 += w[base + 1]! * v;
          d2 += w[base + 2]! * v;
          d3 += w[base + 3]! * v;
        }
        dots[0] = d0;
        dots[1] = d1;
        dots[2] = d2;
        dots[3] = d3;
      } else {
        for (let k = start; k < end; k++) {
          const base = indices[k]! * lanes;
          const v = data[k]!;
          for (let g = 0; g < lanes; g++) dots[g]! += w[base + g]! * v;
        }
      }
      const label = y[i]!;
      let update = 0;
      for (let g = 0; g < lanes; g++) {
        const bit = 1 << g;
        if (!(mask & bit)) continue;
        const yi = label === first + g ? 1 : -1;
        const diag = yi > 0 ? diagPositive[g]! : diagNegative[g]!;
        const a = alpha[s * lanes + g]!;
        const grad = yi * (biasWeight[g]! * biasValue + dots[g]! * valueScale) - 1 + a * diag;
        let pg = 0;
        if (a === 0) {
          if (grad > pgMaxOld[g]!) {
            activeMask[s]! &= ~bit;
            active[g]!--;
            continue;
          } else if (grad < 0) pg = grad;
        } else pg = grad;
        if (pg > pgMaxNew[g]!) pgMaxNew[g] = pg;
        if (pg < pgMinNew[g]!) pgMinNew[g] = pg;
        if (Math.abs(pg) > 1e-12) {
          const next = Math.max(a - grad / (sqNorm[i]! + diag), 0);
          alpha[s * lanes + g] = next;
          const d = (next - a) * yi;
          deltas[g] = d * valueScale;
          biasWeight[g]! += d * biasValue;
          update |= bit;
        }
      }
      if (update === 0) continue;
      if (lanes === 1) {
        const d = deltas[0]!;
        for (let k = start; k < end; k++) w[indices[k]!]! += d * data[k]!;
      } else if ((update & (update - 1)) === 0) {
        // One lane moved: only its weights.
        const g = 31 - Math.clz32(update);
        const d = deltas[g]!;
        for (let k = start; k < end; k++) w[indices[k]! * lanes + g]! += d * data[k]!;
      } else {
        // Lanes without an update add 0 (w is never -0, so adding 0 changes no bit).
        for (let g = 0; g < lanes; g++) if (!(update & (1 << g))) deltas[g] = 0;
        if (lanes === 8) {
          const e0 = deltas[0]!;
          const e1 = deltas[1]!;
          const e2 = deltas[2]!;
          const e3 = deltas[3]!;
          const e4 = deltas[4]!;
          const e5 = deltas[5]!;
          const e6 = deltas[6]!;
          const e7 = deltas[7]!;
          for (let k = start; k < end; k++) {
            const base = indices[k]! << 3;
            const v = data[k]!;
            w[base]! += e0 * v;
            w[base + 1]! += e1 * v;
            w[base + 2]! += e2 * v;
            w[base + 3]! += e3 * v;
            w[base + 4]! += e4 * v;
            w[base + 5]! += e5 * v;
            w[base + 6]! += e6 * v;
            w[base + 7]! += e7 * v;
          }
        } else {
          for (let k = start; k < end; k++) {
            const base = indices[k]! * lanes;
            const v = data[k]!;
            for (let g = 0; g < lanes; g++) w[base + g]! += deltas[g]! * v;
          }
        }
      }
    }
    for (let g = 0; g < lanes; g++) {
      const bit = 1 << g;
      if (!(running & bit)) continue;
      epochs[g] = epoch + 1;
      if (pgMaxNew[g]! - pgMinNew[g]! <= tolerance) {
        if (active[g] === n) {
          running &= ~bit;
          continue;
        }
        // Converged on the shrunk problem: check again on every row (liblinear).
        for (let s = 0; s < n; s++) activeMask[s]! |= bit;
        active[g] = n;
        pgMaxOld[g] = Infinity;
        continue;
      }
      pgMaxOld[g] = pgMaxNew[g]! <= 0 ? Infinity : pgMaxNew[g]!;
    }
  }

  for (let g = 0; g < lanes; g++) {
    const c = first + g;
    const base = c * (cols + 1);
    for (let t = 0; t < cols; t++) problem.weights[base + t] = w[t * lanes + g]!;
    problem.weights[base + cols] = biasWeight[g]!;
    if (problem.dual.length > 0)
      for (let s = 0; s < n; s++) problem.dual[c * x.rows + fitRows[s]!] = alpha[s * lanes + g]!;
    problem.epochs[c] = epochs[g]!;
    problem.visits[c] = visits[g]!;
  }
}

/**
 * Relative cost per class of a pass fitting 1, 2, 4 or 8 classes at once
 * (measured on the Endava matrix: reading a row once for several classes is
 * where the time goes).
 */
const LANE_COST: Readonly<Record<number, number>> = { 1: 1, 2: 0.95, 4: 0.5, 8: 0.37 };

/**
 * How to split the classes of `problems` into tasks for `threads` threads:
 * `[problem, first class, classes]` triples, with the lane count that should
 * finish soonest (tasks of about equal cost, taken by whichever thread is
 * free). Only the speed depends on it: every class's fit is the same either way.
 */
export function planTasks(problems: readonly { readonly classes: number }[], threads: number): Int32Array {
  let best = { lanes: 1, makespan: Infinity };
  for (const lanes of [1, 2, 4, 8]) {
    const tasks = problems.reduce((sum, p) => sum + Math.ceil(p.classes / lanes), 0);
    const makespan = Math.ceil(tasks / Math.max(1, threads)) * lanes * LANE_COST[lanes]!;
    if (makespan < best.makespan) best = { lanes, makespan };
  }
  const out: number[] = [];
  problems.forEach((p, index) => {
    for (let c = 0; c < p.classes; c += best.lanes) out.push(index, c, Math.min(best.lanes, p.classes - c));
  });
  return Int32Array.from(out);
}

/** Class `c` of `problem` against the rest (see {@link solveClasses}). */
export function solveClass(problem: OneVsRestProblem, c: number): void {
  solveClasses(problem, c, 1);
}

/** Squared norm of every row of `x` plus the bias feature's (shared by every class and fit). */
export function rowSquaredNorms(x: SparseMatrix, biasFeature = 1, shared = false): Float64Array {
  const out = allocateFloat64(x.rows, shared);
  const { indptr, data } = x;
  const scale2 = (x.valueScale ?? 1) ** 2;
  for (let i = 0; i < x.rows; i++) {
    let sq = 0;
    for (let k = indptr[i]!; k < indptr[i + 1]!; k++) sq += data[k]! * data[k]!;
    out[i] = biasFeature * biasFeature + sq * scale2;
  }
  return out;
}

/**
 * The one-vs-rest problem of `options` over `x`, with its arrays on
 * `SharedArrayBuffer`s when `shared` (for a runner with threads). `x`, `y`,
 * `sqNorm` and `warmStart` are used as given: shared ones are not copied.
 */
export function oneVsRestProblem(
  x: SparseMatrix,
  y: Int32Array,
  classes: number,
  options: LinearSvmOptions,
  context: { shared?: boolean; sqNorm?: Float64Array } = {},
): OneVsRestProblem {
  const shared = context.shared === true;
  const biasValue = options.biasFeature ?? 1;
  const fitRows = options.rows ?? Int32Array.from({ length: x.rows }, (_, i) => i);
  // Rows labelled outside 0 .. classes - 1 (e.g. -1) are negatives of every class and weigh no class.
  const counts = new Float64Array(classes);
  let labelled = 0;
  for (let s = 0; s < fitRows.length; s++) {
    const label = y[fitRows[s]!]!;
    if (label >= 0 && label < classes) {
      counts[label]!++;
      labelled++;
    }
  }
  const cPositive = new Float64Array(classes);
  for (let c = 0; c < classes; c++) {
    const weight = options.classWeight === 'balanced' && counts[c]! > 0 ? labelled / (classes * counts[c]!) : 1;
    cPositive[c] = options.c * weight;
  }
  const toShared = <T extends Int32Array | Float64Array>(a: T, make: (n: number, s: boolean) => T): T => {
    if (!shared || a.buffer instanceof SharedArrayBuffer) return a;
    const copy = make(a.length, true);
    copy.set(a);
    return copy;
  };
  return {
    loss: options.loss ?? 'squared-hinge',
    x,
    y: toShared(y, allocateInt32),
    classes,
    fitRows: toShared(fitRows, allocateInt32),
    sqNorm: context.sqNorm ?? rowSquaredNorms(x, biasValue, shared),
    cPositive,
    cNegative: options.c,
    tolerance: options.tolerance ?? 0.1,
    maxEpochs: options.maxEpochs ?? 1000,
    biasValue,
    seed: options.seed ?? 42,
    warmStart: options.warmStart && toShared(options.warmStart, allocateFloat64),
    shrinkFromWarmStart: options.shrinkFromWarmStart === true && options.warmStart !== undefined,
    weights: allocateFloat32(classes * (x.cols + 1), shared),
    dual: allocateFloat64(options.keepDual === false ? 0 : classes * x.rows, shared),
    epochs: allocateInt32(classes, shared),
    visits: allocateFloat64(classes, shared),
  };
}

/** The fit a solved problem holds: weights feature-major (as {@link LinearModelData}). */
export function linearSvmFitOf(problem: OneVsRestProblem, labels: readonly string[]): LinearSvmFit {
  const { classes, x, biasValue } = problem;
  const cols = x.cols;
  const weights = new Float32Array(cols * classes);
  const bias = new Float64Array(classes);
  for (let c = 0; c < classes; c++) {
    const base = c * (cols + 1);
    for (let t = 0; t < cols; t++) weights[t * classes + c] = problem.weights[base + t]!;
    bias[c] = problem.weights[base + cols]! * biasValue;
  }
  let visits = 0;
  for (let c = 0; c < classes; c++) visits += problem.visits[c]!;
  return {
    model: { labels, numFeatures: cols, weights, bias, probability: { kind: 'softmax', scale: 1 } },
    dual: problem.dual,
    epochs: Int32Array.from(problem.epochs),
    visits,
  };
}

/**
 * One-vs-rest linear SVM (liblinear's dual solver, class by class, on the
 * calling thread; with `loss: 'logistic'`, logistic regression). Returns the weights (float32, feature-major, as
 * {@link LinearModelData}) and the dual variables, from which a fit on other
 * rows can start.
 */
export function fitLinearSvmDual(
  x: SparseMatrix,
  y: Int32Array,
  labels: readonly string[],
  options: LinearSvmOptions,
): LinearSvmFit {
  const problem = oneVsRestProblem(x, y, labels.length, options);
  void IN_THREAD_RUNNER.solve([problem]);
  return linearSvmFitOf(problem, labels);
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
