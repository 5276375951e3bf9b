/**
 * The one-vs-rest problem both solvers read and write (linear-svm.ts for the
 * squared hinge, logistic.ts for the logistic loss), in a module of its own
 * so that neither solver imports the other's.
 */
import type { SparseMatrix } from './sparse.ts';

/**
 * The loss of a one-vs-rest fit: the squared hinge (a linear SVM, as
 * `LinearSVC`) or the logistic loss (logistic regression, see
 * `solveLogisticClasses` in logistic.ts). Both by dual coordinate descent, same
 * problems, same runners.
 */
export type OneVsRestLoss = 'squared-hinge' | 'logistic';

/**
 * One one-vs-rest fit as typed arrays only: what a solver needs to fit any of
 * its classes, on this thread or another (arrays on `SharedArrayBuffer`s are
 * read and written in place by every thread). Each class is an independent
 * binary problem with its own seeded order, so the result is the same bit for
 * bit whichever thread solves which class, in whatever order.
 */
export interface OneVsRestProblem {
  readonly loss: OneVsRestLoss;
  readonly x: SparseMatrix;
  /** The class of each row of `x`. */
  readonly y: Int32Array;
  readonly classes: number;
  /** The rows of `x` fitted on, ascending. */
  readonly fitRows: Int32Array;
  /** Squared norm of each row of `x` plus the bias feature's. */
  readonly sqNorm: Float64Array;
  /** The positives' C of each class (class weights applied); the negatives have `cNegative`. */
  readonly cPositive: Float64Array;
  readonly cNegative: number;
  readonly tolerance: number;
  readonly maxEpochs: number;
  readonly biasValue: number;
  readonly seed: number;
  /** Class-major dual variables to start from (see `LinearSvmOptions.warmStart` in linear-svm.ts). */
  readonly warmStart: Float64Array | undefined;
  readonly shrinkFromWarmStart: boolean;
  /** Out: each class's weights and then its bias weight, class-major: `[class * (x.cols + 1) + feature]`. */
  readonly weights: Float32Array;
  /** Out: class-major dual variables (length 0: not kept). */
  readonly dual: Float64Array;
  /** Out: epochs and coordinate visits of each class. */
  readonly epochs: Int32Array;
  readonly visits: Float64Array;
}
