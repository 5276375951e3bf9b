import { describe, expect, it } from 'vitest';
import { withMixedRows } from '../../../src/model/outlier-exposure.ts';
import { PROFILES, trainModel, seededRandom } from '../../../src/model/index.ts';
import type { SparseMatrix } from '../../../src/model/sparse.ts';

const dense = (x: SparseMatrix, r: number) => {
  const out = new Float64Array(x.cols);
  for (let k = x.indptr[r]!; k < x.indptr[r + 1]!; k++) out[x.indices[k]!] = x.data[k]!;
  return out;
};

describe('withMixedRows', () => {
  // Four rows over six features, two categories.
  const x: SparseMatrix = {
    rows: 4,
    cols: 6,
    indptr: Int32Array.from([0, 2, 4, 6, 8]),
    indices: Int32Array.from([0, 3, 1, 3, 2, 5, 4, 5]),
    data: Float32Array.from([0.6, 0.8, 0.8, 0.6, 0.6, 0.8, 0.8, 0.6]),
  };
  const y = Int32Array.from([0, 0, 1, 1]);

  it('appends mixes of two rows of different categories, labelled -1, indices ascending', () => {
    const mixed = withMixedRows(x, y, { ratio: 5, lambda: [0.5, 0.5], seed: 3 });
    expect(mixed.matrix.rows).toBeGreaterThan(4);
    expect(mixed.matrix.rows).toBeLessThanOrEqual(24);
    expect(Array.from(mixed.y.subarray(0, 4))).toEqual([0, 0, 1, 1]);
    expect(Array.from(mixed.y.subarray(4)).every((v) => v === -1)).toBe(true);
    expect(mixed.parents.length).toBe(2 * (mixed.matrix.rows - 4));
    for (let m = 4; m < mixed.matrix.rows; m++) {
      const a = mixed.parents[2 * (m - 4)]!;
      const b = mixed.parents[2 * (m - 4) + 1]!;
      expect(y[a]).not.toBe(y[b]);
      const want = dense(x, a).map((v, t) => 0.5 * v + 0.5 * dense(x, b)[t]!);
      const got = dense(mixed.matrix, m);
      for (let t = 0; t < 6; t++) expect(got[t]).toBeCloseTo(want[t]!, 6);
      const idx = Array.from(mixed.matrix.indices.subarray(mixed.matrix.indptr[m]!, mixed.matrix.indptr[m + 1]!));
      expect(idx).toEqual([...idx].sort((p, q) => p - q));
      expect(new Set(idx).size).toBe(idx.length);
    }
    // The original rows are untouched.
    for (let r = 0; r < 4; r++) expect(Array.from(dense(mixed.matrix, r))).toEqual(Array.from(dense(x, r)));
  });

  it('keeps a 16-bit fixed-point matrix fixed point (mixed values rounded), on shared memory when asked', () => {
    const scale = 1 / 1000;
    const fixed: SparseMatrix = {
      ...x,
      data: Uint16Array.from(x.data, (v) => Math.round(v / scale)),
      valueScale: scale,
    };
    const mixed = withMixedRows(fixed, y, { ratio: 5, lambda: [0.3, 0.7], seed: 3 }, true);
    expect(mixed.matrix.data).toBeInstanceOf(Uint16Array);
    expect(mixed.matrix.valueScale).toBe(scale);
    for (const a of [mixed.matrix.indptr, mixed.matrix.indices, mixed.matrix.data, mixed.y])
      expect(a.buffer).toBeInstanceOf(SharedArrayBuffer);
    const floats = withMixedRows(x, y, { ratio: 5, lambda: [0.3, 0.7], seed: 3 });
    expect(mixed.matrix.rows).toBe(floats.matrix.rows);
    for (let m = 4; m < mixed.matrix.rows; m++) {
      const got = dense(mixed.matrix, m);
      const want = dense(floats.matrix, m);
      for (let t = 0; t < 6; t++) expect(Math.abs(got[t]! * scale - want[t]!)).toBeLessThanOrEqual(scale);
    }
  });
});

describe('outlier exposure in training', async () => {
  // Three topics with their own words; a mix of two topics' words fits neither.
  const topics = [
    ['printer', 'toner', 'paper', 'jam', 'scanner', 'screen', 'laptop'],
    ['password', 'account', 'login', 'locked', 'access', 'vpn', 'reset'],
    ['invoice', 'order', 'purchase', 'quote', 'supplier', 'licence', 'buy'],
  ];
  const random = seededRandom(9);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
  const texts: string[] = [];
  const labels: string[] = [];
  for (let i = 0; i < 600; i++) {
    const label = i % 3;
    texts.push(Array.from({ length: 6 }, () => pick(random() < 0.8 ? topics[label]! : pick(topics))).join(' '));
    labels.push(['Hardware', 'Access', 'Purchase'][label]!);
  }
  const profile = PROFILES['linear-svm'];
  const plain = await trainModel({ texts, labels, profile, unknownCost: 0.02, outlierExposure: false });
  const exposed = await trainModel({
    texts,
    labels,
    profile,
    unknownCost: 0.02,
    outlierExposure: { ratio: 1, lambda: [0.3, 0.7] },
  });

  it('fits the unknown rule for the cost on validation rows', () => {
    for (const model of [plain, exposed]) {
      expect(model.validationPredictions).toHaveLength(model.validation.rows);
      expect(model.routing.unknown?.inScopeCost).toBeLessThanOrEqual(0.02);
    }
  });

  it('lowers the top score of texts that mix two categories more than that of texts of one', async () => {
    const { createPreprocessor } = await import('../../../src/text/preprocess.ts');
    const { tfidfVectorizer } = await import('../../../src/model/tfidf.ts');
    const { linearClassifier } = await import('../../../src/model/linear.ts');
    const preprocessor = await createPreprocessor(profile.preprocess);
    const top = (model: typeof plain, text: string) =>
      linearClassifier(model.classifier).predict(
        tfidfVectorizer(model.tfidf).transform(preprocessor.preprocess(text).tokens),
      ).maxScore;
    const pure = 'printer toner jam scanner paper laptop';
    const mix = 'printer toner jam password login reset';
    // Exposure lowers the mixed text's top score by more than the pure one's.
    expect(top(plain, mix) - top(exposed, mix)).toBeGreaterThan(top(plain, pure) - top(exposed, pure));
    expect(top(exposed, mix)).toBeLessThan(top(exposed, pure));
  });
});
