import { seededRandom, shuffleInPlace } from './random.ts';
import type { OneVsRestProblem } from './one-vs-rest-problem.ts';

/** Inner Newton steps per coordinate at most (liblinear's `max_inner_iter`). */
const MAX_INNER = 100;

/**
 * Classes `first .. first + count)` of `problem`, each against the rest: an
 * L2-regularised logistic regression by dual coordinate descent, liblinear's
 * `L2R_LR_DUAL` solver (Yu, Huang and Lin, "Dual coordinate descent methods
 * for logistic regression and maximum entropy models", Machine Learning 85,
 * 2011), scikit-learn's `LogisticRegression(solver='liblinear', dual=True)`.
 * Rows labelled outside the classes (e.g. -1) are negatives of every class.
 *
 * The dual has two variables per row, alpha and C - alpha, both kept strictly
 * inside (0, C); each coordinate step solves a one-variable problem by a few
 * Newton steps. No row ever leaves the problem (no shrinking): every epoch
 * visits every row. The classes are fitted side by side in one pass over the
 * rows ("lanes", as the SVM solver does), each with the epoch order drawn
 * from `problem.seed` alone, so a class's fit does not depend on which
 * classes share its pass or which thread runs it.
 *
 * The stopping tolerance is liblinear's for this solver: the largest gradient
 * of a sub-problem in an epoch.
 */
export function solveLogisticClasses(problem: OneVsRestProblem, first: number, count: number): void {
  const { x, y, fitRows, sqNorm, warmStart, biasValue, tolerance, maxEpochs } = problem;
  const { cols, indptr, indices, data } = x;
  const valueScale = x.valueScale ?? 1;
  const n = fitRows.length;
  const lanes = count;
  const w = new Float32Array(cols * lanes);
  const biasWeight = new Float64Array(lanes);
  const alpha = new Float64Array(n * lanes);
  const upperOf = new Float64Array(2 * lanes);
  const innerEps = new Float64Array(lanes).fill(1e-2);
  const innerEpsMin = Math.min(1e-8, tolerance);
  const newtonSteps = new Int32Array(lanes);
  const gMax = new Float64Array(lanes);
  const dots = new Float64Array(lanes);
  const deltas = new Float64Array(lanes);
  const epochs = new Int32Array(lanes);
  const visits = new Float64Array(lanes);
  let running = 0;
  for (let g = 0; g < lanes; g++) {
    upperOf[2 * g] = problem.cPositive[first + g]!;
    upperOf[2 * g + 1] = problem.cNegative;
    running |= 1 << g;
  }

  // Start: the warm start's alpha where it lies strictly inside (0, C), else liblinear's min(0.001 C, 1e-8).
  for (let s = 0; s < n; s++) {
    const i = fitRows[s]!;
    const label = y[i]!;
    for (let g = 0; g < lanes; g++) {
      const yi = label === first + g ? 1 : -1;
      const upper = upperOf[2 * g + (yi > 0 ? 0 : 1)]!;
      let a = warmStart ? warmStart[(first + g) * x.rows + i]! : 0;
      if (!(a > 0 && a < upper)) a = Math.min(0.001 * upper, 1e-8);
      alpha[s * lanes + g] = a;
      deltas[g] = yi * a;
      biasWeight[g]! += yi * a * biasValue;
    }
    for (let k = indptr[i]!; k < indptr[i + 1]!; k++) {
      const base = indices[k]! * lanes;
      const v = data[k]! * valueScale;
      for (let g = 0; g < lanes; g++) w[base + g]! += deltas[g]! * v;
    }
  }

  const random = seededRandom(problem.seed);
  const order = new Int32Array(n);
  for (let s = 0; s < n; s++) order[s] = s;
  for (let epoch = 0; epoch < maxEpochs && running !== 0; epoch++) {
    shuffleInPlace(order, random, n);
    for (let g = 0; g < lanes; g++) {
      newtonSteps[g] = 0;
      gMax[g] = 0;
      if (running & (1 << g)) visits[g]! += n;
    }
    for (let o = 0; o < n; o++) {
      const s = order[o]!;
      const i = fitRows[s]!;
      const start = indptr[i]!;
      const end = indptr[i + 1]!;
      for (let g = 0; g < lanes; g++) dots[g] = 0;
      if (lanes === 1) {
        let dot = 0;
        for (let k = start; k < end; k++) dot += w[indices[k]!]! * data[k]!;
        dots[0] = dot;
      } else {
        for (let k = start; k < end; k++) {
          const base = indices[k]! * lanes;
          const v = data[k]!;
          for (let g = 0; g < lanes; g++) dots[g]! += w[base + g]! * v;
        }
      }
      const label = y[i]!;
      const a = sqNorm[i]!;
      let update = 0;
      for (let g = 0; g < lanes; g++) {
        deltas[g] = 0;
        if (!(running & (1 << g))) continue;
        const yi = label === first + g ? 1 : -1;
        const upper = upperOf[2 * g + (yi > 0 ? 0 : 1)]!;
        const b = yi * (biasWeight[g]! * biasValue + dots[g]! * valueScale);
        const current = alpha[s * lanes + g]!;
        // The two variables are alpha and C - alpha: step the one that keeps the Newton steps inside (0, C).
        let old = current;
        let direction = 1;
        if (0.5 * a * (upper - 2 * current) + b < 0) {
          old = upper - current;
          direction = -1;
        }
        let z = old;
        if (upper - z < 0.5 * upper) z = 0.1 * z;
        let gp = a * (z - old) + direction * b + Math.log(z / (upper - z));
        const absGp = Math.abs(gp);
        if (absGp > gMax[g]!) gMax[g] = absGp;
        let inner = 0;
        const eps = innerEps[g]!;
        while (inner <= MAX_INNER) {
          if (Math.abs(gp) < eps) break;
          const gpp = a + upper / (upper - z) / z;
          const next = z - gp / gpp;
          z = next <= 0 ? z * 0.1 : next;
          gp = a * (z - old) + direction * b + Math.log(z / (upper - z));
          inner++;
        }
        newtonSteps[g]! += inner;
        if (inner > 0) {
          const nextAlpha = direction > 0 ? z : upper - z;
          const d = (nextAlpha - current) * yi;
          alpha[s * lanes + g] = nextAlpha;
          deltas[g] = d * valueScale;
          biasWeight[g]! += d * biasValue;
          update |= 1 << g;
        }
      }
      if (update === 0) continue;
      if (lanes === 1) {
        const d = deltas[0]!;
        for (let k = start; k < end; k++) w[indices[k]!]! += d * data[k]!;
      } else {
        for (let k = start; k < end; k++) {
          const base = indices[k]! * lanes;
          const v = data[k]!;
          for (let g = 0; g < lanes; g++) w[base + g]! += deltas[g]! * v;
        }
      }
    }
    for (let g = 0; g < lanes; g++) {
      const bit = 1 << g;
      if (!(running & bit)) continue;
      epochs[g] = epoch + 1;
      if (gMax[g]! < tolerance) {
        running &= ~bit;
        continue;
      }
      if (newtonSteps[g]! <= n / 10) innerEps[g] = Math.max(innerEpsMin, 0.1 * innerEps[g]!);
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
