import { InvalidStepInputError } from './step-errors.ts';

/**
 * A sparse TF-IDF vector as it travels from Vectorize to Predict: one base64
 * string instead of JSON arrays of indices, values and n-gram strings.
 *
 * Bytes (before base64): the number of features `n` as an unsigned LEB128
 * varint; the `n` values as float32, little-endian (the precision the model
 * has, bit for bit: Predict scores exactly what Vectorize computed); then the
 * `n` ascending feature indices as LEB128 varints of their gaps (the first
 * from 0). A feature costs 4 bytes of value plus 1-3 bytes of gap (gaps under
 * 2^21), about 7-9 characters of base64, where the JSON arrays took ~30 (a
 * 7-digit index, a 17-digit double, the n-gram in quotes). That is what keeps
 * a ticket's payloads within the 256 KiB of a state for models with character
 * n-grams, which have up to ~4 features per byte of text
 * (test/unit/contracts/ticket-budget.test.ts).
 */
export interface PackableVector {
  readonly indices: ArrayLike<number>;
  readonly values: ArrayLike<number>;
}

export interface UnpackedVector {
  readonly indices: Int32Array;
  readonly values: Float32Array;
}

function varintLength(value: number): number {
  let length = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 0x80);
    length++;
  }
  return length;
}

/** Packs ascending, distinct, non-negative feature indices (below 2^31) and their values. */
export function packVector(vector: PackableVector): string {
  const n = vector.indices.length;
  if (vector.values.length !== n) throw new RangeError('packVector: indices and values differ in length');
  let gapBytes = 0;
  let previous = 0;
  for (let i = 0; i < n; i++) {
    const index = vector.indices[i]!;
    if (!Number.isInteger(index) || index < previous || index > 0x7fffffff || (i > 0 && index === previous))
      throw new RangeError(`packVector: index ${index} at ${i} is not ascending, distinct and below 2^31`);
    gapBytes += varintLength(index - previous);
    previous = index;
  }
  const headerBytes = varintLength(n);
  const bytes = Buffer.alloc(headerBytes + 4 * n + gapBytes);
  let at = 0;
  const writeVarint = (value: number) => {
    while (value >= 0x80) {
      bytes[at++] = (value % 0x80) | 0x80;
      value = Math.floor(value / 0x80);
    }
    bytes[at++] = value;
  };
  writeVarint(n);
  for (let i = 0; i < n; i++) {
    bytes.writeFloatLE(vector.values[i]!, at);
    at += 4;
  }
  previous = 0;
  for (let i = 0; i < n; i++) {
    writeVarint(vector.indices[i]! - previous);
    previous = vector.indices[i]!;
  }
  return bytes.toString('base64');
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** The vector {@link packVector} packed; anything else is an `InvalidStepInputError` (a bug upstream). */
export function unpackVector(packed: string): UnpackedVector {
  const invalid = (why: string) => new InvalidStepInputError(`Predict: the packed vector is not valid: ${why}`);
  if (packed.length % 4 !== 0 || !BASE64.test(packed)) throw invalid('not base64');
  const bytes = Buffer.from(packed, 'base64');
  let at = 0;
  const readVarint = (): number => {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 5; i++) {
      if (at >= bytes.length) throw invalid('it ends inside a number');
      const byte = bytes[at++]!;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 0x80;
    }
    throw invalid('a number is longer than 5 bytes');
  };
  const n = readVarint();
  if (at + 4 * n > bytes.length) throw invalid(`${n} values do not fit in ${bytes.length} bytes`);
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    values[i] = bytes.readFloatLE(at);
    at += 4;
  }
  const indices = new Int32Array(n);
  let index = 0;
  for (let i = 0; i < n; i++) {
    const gap = readVarint();
    if (i > 0 && gap === 0) throw invalid('indices repeat');
    index += gap;
    if (index > 0x7fffffff) throw invalid('an index is 2^31 or more');
    indices[i] = index;
  }
  if (at !== bytes.length) throw invalid(`${bytes.length - at} bytes after the last index`);
  for (let i = 0; i < n; i++) if (!Number.isFinite(values[i]!)) throw invalid(`value ${i} is not a finite number`);
  return { indices, values };
}
