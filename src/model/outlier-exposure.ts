import { seededRandom } from './random.ts';
import { allocateFloat32, allocateFloat64, allocateInt32, allocateUint16, type SparseMatrix } from './sparse.ts';

/**
 * Outlier exposure without outliers: synthetic "fits no category" rows made
 * by mixing two training rows of different categories, `lambda * a + (1 -
 * lambda) * b` with lambda drawn uniformly from `lambda`. Added to training
 * as negatives of every category (label -1), they teach each one-vs-rest
 * model to want the whole of its category's evidence, not half of it mixed
 * with another's: a ticket of a category the model has never seen, which
 * shares some words with a known one, then scores lower (Zhan et al., "Out-of-
 * Scope Intent Detection with Self-Supervision and Discriminative Training",
 * ACL 2021, mix sentence representations the same way).
 */
export interface OutlierExposureOptions {
  /** Synthetic rows per training row. */
  readonly ratio: number;
  /** The range lambda is drawn from. */
  readonly lambda: readonly [number, number];
  readonly seed?: number;
}

export interface ExposedRows {
  /** The rows of `x`, then the synthetic rows. */
  readonly matrix: SparseMatrix;
  /** Labels of `matrix`: `y`, then -1 for every synthetic row. */
  readonly y: Int32Array;
  /** The two rows of `x` each synthetic row was mixed from: `[2k]`, `[2k + 1]`. */
  readonly parents: Int32Array;
}

/**
 * `x` with about `ratio * rows` synthetic rows appended (pairs of rows of
 * different categories, drawn at random, seeded; pairs of the same category
 * are skipped). Each row's indices must be ascending, as the TF-IDF fitter
 * writes them. The result keeps `x`'s value type and scale (16-bit fixed
 * point: mixed values rounded to it) and, with `shared`, its arrays are on
 * `SharedArrayBuffer`s (for solver threads).
 */
export function withMixedRows(
  x: SparseMatrix,
  y: Int32Array,
  options: OutlierExposureOptions,
  shared = false,
): ExposedRows {
  const random = seededRandom(options.seed ?? 11);
  const [lo, hi] = options.lambda;
  const wanted = Math.round(options.ratio * x.rows);
  const pairs: number[] = [];
  const lambdas: number[] = [];
  let nnz = x.indptr[x.rows]!;
  for (let k = 0; k < wanted && x.rows > 1; k++) {
    const a = Math.floor(random() * x.rows);
    const b = Math.floor(random() * x.rows);
    const lambda = lo + (hi - lo) * random();
    if (y[a] === y[b]) continue;
    pairs.push(a, b);
    lambdas.push(lambda);
    nnz += x.indptr[a + 1]! - x.indptr[a]! + x.indptr[b + 1]! - x.indptr[b]!;
  }
  const mixes = lambdas.length;
  const rows = x.rows + mixes;
  const indptr = allocateInt32(rows + 1, shared);
  indptr.set(x.indptr.subarray(0, x.rows + 1));
  const indices = allocateInt32(nnz, shared);
  indices.set(x.indices.subarray(0, x.indptr[x.rows]!));
  const fixed = x.data instanceof Uint16Array;
  const data =
    x.data instanceof Uint16Array
      ? allocateUint16(nnz, shared)
      : x.data instanceof Float32Array
        ? allocateFloat32(nnz, shared)
        : allocateFloat64(nnz, shared);
  data.set(x.data.subarray(0, x.indptr[x.rows]!));
  // 16-bit fixed point: a mixed value rounded to the nearest step (never above the larger parent's).
  const put = fixed ? (v: number) => Math.round(v) : (v: number) => v;
  let at = x.indptr[x.rows]!;
  for (let m = 0; m < mixes; m++) {
    const a = pairs[2 * m]!;
    const b = pairs[2 * m + 1]!;
    const la = lambdas[m]!;
    const lb = 1 - la;
    let i = x.indptr[a]!;
    let j = x.indptr[b]!;
    const iEnd = x.indptr[a + 1]!;
    const jEnd = x.indptr[b + 1]!;
    // Merge the two sorted rows.
    while (i < iEnd || j < jEnd) {
      const ti = i < iEnd ? x.indices[i]! : Infinity;
      const tj = j < jEnd ? x.indices[j]! : Infinity;
      if (ti === tj) {
        indices[at] = ti;
        data[at++] = put(la * x.data[i++]! + lb * x.data[j++]!);
      } else if (ti < tj) {
        indices[at] = ti;
        data[at++] = put(la * x.data[i++]!);
      } else {
        indices[at] = tj;
        data[at++] = put(lb * x.data[j++]!);
      }
    }
    indptr[x.rows + m + 1] = at;
  }
  const labels = allocateInt32(rows, shared).fill(-1);
  labels.set(y);
  return {
    matrix: {
      rows,
      cols: x.cols,
      indptr,
      indices: indices.subarray(0, at),
      data: data.subarray(0, at),
      ...(x.valueScale !== undefined && { valueScale: x.valueScale }),
    },
    y: labels,
    parents: Int32Array.from(pairs),
  };
}
