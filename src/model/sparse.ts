/**
 * Compressed sparse rows: row r holds `indices/data[indptr[r] .. indptr[r+1])`.
 * Entry k's value is `data[k] * valueScale`: 1 for float values; 16-bit
 * fixed point (`Uint16Array`) keeps a big training matrix in 6 bytes a
 * non-zero instead of 8 (float32) or 12 (float64).
 */
export interface SparseMatrix {
  readonly rows: number;
  readonly cols: number;
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
  readonly data: Float32Array | Float64Array | Uint16Array;
  /** What `data` is multiplied by (absent: 1). */
  readonly valueScale?: number;
}

/** The matrix's values as they are (float), for code that reads `data` directly; refuses fixed-point ones. */
export function floatValues(matrix: SparseMatrix): Float32Array | Float64Array {
  if (matrix.data instanceof Uint16Array || (matrix.valueScale ?? 1) !== 1)
    throw new Error('this computation needs a matrix of float values, not 16-bit fixed point');
  return matrix.data as Float32Array | Float64Array;
}

/** One sparse row (a document's feature vector). */
export interface SparseVector {
  readonly indices: ArrayLike<number>;
  readonly values: ArrayLike<number>;
}

export function row(matrix: SparseMatrix, r: number): SparseVector {
  const start = matrix.indptr[r]!;
  const end = matrix.indptr[r + 1]!;
  const values = matrix.data.subarray(start, end);
  const scale = matrix.valueScale ?? 1;
  return {
    indices: matrix.indices.subarray(start, end),
    values: values instanceof Uint16Array || scale !== 1 ? Float64Array.from(values, (v) => v * scale) : values,
  };
}

/** The rows `selected` of `matrix`, in that order. */
export function selectRows(matrix: SparseMatrix, selected: ArrayLike<number>): SparseMatrix {
  let nnz = 0;
  for (let i = 0; i < selected.length; i++) {
    const r = selected[i]!;
    nnz += matrix.indptr[r + 1]! - matrix.indptr[r]!;
  }
  const indptr = new Int32Array(selected.length + 1);
  const indices = new Int32Array(nnz);
  const data =
    matrix.data instanceof Uint16Array
      ? new Uint16Array(nnz)
      : matrix.data instanceof Float32Array
        ? new Float32Array(nnz)
        : new Float64Array(nnz);
  let at = 0;
  for (let i = 0; i < selected.length; i++) {
    const r = selected[i]!;
    const start = matrix.indptr[r]!;
    const end = matrix.indptr[r + 1]!;
    indices.set(matrix.indices.subarray(start, end), at);
    data.set(matrix.data.subarray(start, end), at);
    at += end - start;
    indptr[i + 1] = at;
  }
  return {
    rows: selected.length,
    cols: matrix.cols,
    indptr,
    indices,
    data,
    ...(matrix.valueScale !== undefined && { valueScale: matrix.valueScale }),
  };
}

/** Typed arrays on a `SharedArrayBuffer` (threads can read them without a copy) or an ordinary one. */
export function allocateInt32(length: number, shared: boolean): Int32Array {
  return shared ? new Int32Array(new SharedArrayBuffer(length * 4)) : new Int32Array(length);
}
export function allocateFloat32(length: number, shared: boolean): Float32Array {
  return shared ? new Float32Array(new SharedArrayBuffer(length * 4)) : new Float32Array(length);
}
export function allocateUint16(length: number, shared: boolean): Uint16Array {
  return shared ? new Uint16Array(new SharedArrayBuffer(length * 2)) : new Uint16Array(length);
}
export function allocateFloat64(length: number, shared: boolean): Float64Array {
  return shared ? new Float64Array(new SharedArrayBuffer(length * 8)) : new Float64Array(length);
}
