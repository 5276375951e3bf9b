import { describe, expect, it } from 'vitest';
import { packVector, unpackVector } from '../../../src/contracts/packed-vector.ts';
import { InvalidStepInputError } from '../../../src/contracts/step-errors.ts';

describe('the packed vector between Vectorize and Predict', () => {
  it('gives back the indices and the float32 values bit for bit', () => {
    const indices = [0, 1, 127, 128, 16_383, 16_384, 2_097_152, 2 ** 31 - 1];
    const values = [0.1, -2.5, 1e-30, 3.4e38, 0, Math.PI, -Math.E, 1 / 3];
    const unpacked = unpackVector(packVector({ indices, values }));
    expect(Array.from(unpacked.indices)).toEqual(indices);
    expect(Array.from(unpacked.values)).toEqual(values.map((v) => Math.fround(v)));
  });

  it('packs an empty vector, and costs 4 bytes of value plus the varint of the gap per feature', () => {
    expect(unpackVector(packVector({ indices: [], values: [] }))).toMatchObject({ indices: new Int32Array() });
    const dense = packVector({ indices: Array.from({ length: 300 }, (_, i) => i), values: new Array(300).fill(1) });
    expect(Buffer.from(dense, 'base64').length).toBe(2 + 300 * 5); // n = 300 takes 2 bytes; gaps of 1 take 1
  });

  it('refuses indices that are not ascending, distinct, non-negative integers below 2^31', () => {
    for (const indices of [[2, 1], [1, 1], [-1], [1.5], [2 ** 31]])
      expect(() => packVector({ indices, values: indices.map(() => 1) })).toThrow(RangeError);
    expect(() => packVector({ indices: [1], values: [] })).toThrow(RangeError);
  });

  it('answers a malformed packed vector with InvalidStepInputError, naming what is wrong', () => {
    const good = packVector({ indices: [3, 9], values: [0.5, 0.25] });
    const bytes = Buffer.from(good, 'base64');
    const cases: [string, RegExp][] = [
      ['not base64!', /not base64/],
      [bytes.subarray(0, bytes.length - 1).toString('base64'), /ends inside a number|do not fit/],
      [Buffer.concat([bytes, Buffer.from([1])]).toString('base64'), /after the last index/],
      [Buffer.from([2, ...new Array(8).fill(0), 3, 0]).toString('base64'), /indices repeat/],
      [Buffer.from([5, 0, 0, 0]).toString('base64'), /do not fit/],
      [Buffer.from([1, 0, 0, 0xc0, 0x7f, 1]).toString('base64'), /not a finite number/],
    ];
    for (const [packed, message] of cases) {
      const error = (() => {
        try {
          unpackVector(packed);
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(InvalidStepInputError);
      expect((error as Error).message).toMatch(message);
    }
  });
});
