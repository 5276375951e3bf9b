import { softmax } from './linear.ts';

/** Mean negative log-likelihood of `softmax(scale * scores)` for the true classes. */
export function logLoss(scores: readonly Float64Array[], y: ArrayLike<number>, scale: number): number {
  let total = 0;
  for (let i = 0; i < scores.length; i++) {
    const p = softmax(scores[i]!, scale)[y[i]!]!;
    total -= Math.log(Math.max(p, 1e-15));
  }
  return total / scores.length;
}

/**
 * Temperature scaling: the `scale` that minimises held-out log-loss of
 * `softmax(scale * scores)` (convex in `scale`; golden-section search on
 * log(scale) over [1e-3, 1e3]). Leaves the ranking, so accuracy, unchanged.
 */
export function fitSoftmaxScale(
  scores: readonly Float64Array[],
  y: ArrayLike<number>,
): { scale: number; logLossBefore: number; logLossAfter: number } {
  const f = (logScale: number) => logLoss(scores, y, Math.exp(logScale));
  let lo = Math.log(1e-3);
  let hi = Math.log(1e3);
  const phi = (Math.sqrt(5) - 1) / 2;
  let a = hi - phi * (hi - lo);
  let b = lo + phi * (hi - lo);
  let fa = f(a);
  let fb = f(b);
  for (let i = 0; i < 60 && hi - lo > 1e-4; i++) {
    if (fa < fb) {
      hi = b;
      b = a;
      fb = fa;
      a = hi - phi * (hi - lo);
      fa = f(a);
    } else {
      lo = a;
      a = b;
      fa = fb;
      b = lo + phi * (hi - lo);
      fb = f(b);
    }
  }
  const scale = Math.exp((lo + hi) / 2);
  return { scale, logLossBefore: logLoss(scores, y, 1), logLossAfter: logLoss(scores, y, scale) };
}
