import { describe, expect, it } from 'vitest';
import { charNgrams } from '../../../src/text/char-ngrams.ts';
import { ngrams } from '../../../src/text/ngrams.ts';
import {
  buildVocabulary,
  fitLinearSvmDual,
  fitNaiveBayes,
  fitTfidf,
  row,
  selectRows,
  seededRandom,
  tfidfFitter,
  vocabularyFrom,
  type TfidfOptions,
} from '../../../src/model/index.ts';
import { NgramTable } from '../../../src/model/ngram-table.ts';

/**
 * TF-IDF the plain way, with maps of n-gram strings: what the streaming
 * fitter must equal (features in order of first appearance, rows sorted).
 */
function reference(docs: string[][], options: TfidfOptions) {
  const blocks = [
    {
      grams: (d: string[]) => ngrams(d, options.ngramRange),
      minDf: options.minDf ?? 1,
      sublinear: options.sublinearTf,
      scale: 1,
    },
    ...(options.char
      ? [
          {
            grams: (d: string[]) => charNgrams(d, options.char!.ngramRange),
            minDf: options.char.minDf ?? 1,
            sublinear: options.char.sublinearTf,
            scale: options.char.weight,
          },
        ]
      : []),
  ];
  const rows: Map<number, number>[] = docs.map(() => new Map());
  let offset = 0;
  for (const block of blocks) {
    const df = new Map<string, number>();
    const order: string[] = [];
    for (const doc of docs)
      for (const g of new Set(block.grams(doc))) {
        if (!df.has(g)) order.push(g);
        df.set(g, (df.get(g) ?? 0) + 1);
      }
    const kept = order.filter((g) => df.get(g)! >= block.minDf);
    const id = new Map(kept.map((g, i) => [g, offset + i]));
    docs.forEach((doc, r) => {
      const counts = new Map<number, number>();
      for (const g of block.grams(doc)) if (id.has(g)) counts.set(id.get(g)!, (counts.get(id.get(g)!) ?? 0) + 1);
      const values = new Map<number, number>();
      for (const [t, c] of counts) {
        const idf = Math.log((1 + docs.length) / (1 + df.get(kept[t - offset]!)!)) + 1;
        values.set(t, (block.sublinear ? 1 + Math.log(c) : c) * idf);
      }
      const norm = Math.sqrt([...values.values()].reduce((s, v) => s + v * v, 0));
      for (const [t, v] of [...values].sort((a, b) => a[0] - b[0])) rows[r]!.set(t, (v / norm) * block.scale);
    });
    offset += kept.length;
  }
  return { rows, cols: offset };
}

function randomDocs(n: number, seed: number): string[][] {
  const random = seededRandom(seed);
  const words = ['card', 'lost', 'pin', 'new', 'my', 'cards', 'laptop', 'top', 'vpn', 'login', 'log', 'in'];
  return Array.from({ length: n }, () =>
    Array.from({ length: Math.floor(random() * 9) }, () => words[Math.floor(random() * random() * words.length)]!),
  );
}

describe('tfidfFitter (one document at a time)', () => {
  const docs = randomDocs(300, 3);
  const optionSets: TfidfOptions[] = [
    { ngramRange: [1, 2] },
    { ngramRange: [1, 3], minDf: 2, sublinearTf: true },
    { ngramRange: [2, 2] },
    { ngramRange: [1, 2], float32: true, char: { ngramRange: [2, 5], sublinearTf: true, weight: 0.5, minDf: 3 } },
  ];

  it.each(optionSets)('gives the TF-IDF of maps of n-gram strings (%j)', (options) => {
    const fitted = fitTfidf(docs, options);
    const expected = reference(docs, options);
    const x = fitted.matrix;
    expect(x.cols).toBe(expected.cols);
    for (let r = 0; r < docs.length; r++) {
      const row = expected.rows[r]!;
      const indices = Array.from(x.indices.subarray(x.indptr[r]!, x.indptr[r + 1]!));
      expect(indices).toEqual([...row.keys()]);
      indices.forEach((t, i) => {
        expect(x.data[x.indptr[r]! + i]).toBeCloseTo(row.get(t)!, options.float32 ? 6 : 12);
      });
    }
  });

  it('sizes the matrix exactly: the non-zeros are the kept features document frequencies', () => {
    const fitted = fitTfidf(docs, optionSets[3]!);
    const df = fitted.df.reduce((s, d) => s + d, 0);
    expect(fitted.matrix.indices.length).toBe(df);
    expect(fitted.matrix.data.length).toBe(df);
    expect(fitted.matrix.indptr[docs.length]).toBe(df);
  });

  it('puts the matrix on SharedArrayBuffers when asked (solver threads read it in place)', () => {
    const plain = fitTfidf(docs, { ngramRange: [1, 2], float32: true });
    const shared = fitTfidf(docs, { ngramRange: [1, 2], float32: true, sharedMemory: true });
    for (const key of ['indptr', 'indices', 'data'] as const) {
      expect(plain.matrix[key].buffer).toBeInstanceOf(ArrayBuffer);
      expect(shared.matrix[key].buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(Array.from(shared.matrix[key])).toEqual(Array.from(plain.matrix[key]));
    }
  });

  it('counts rows as they come, and is finished once', () => {
    const fitter = tfidfFitter({ ngramRange: [1, 1] });
    fitter.add(['a', 'b']);
    fitter.add([]);
    expect(fitter.rows).toBe(2);
    const fitted = fitter.finish();
    expect(fitted.matrix.rows).toBe(2);
    expect(fitted.matrix.indptr[2]).toBe(2); // the empty row has no features
    expect(() => fitter.add(['c'])).toThrow(/finished/);
    expect(() => fitter.finish()).toThrow(/finished/);
  });
});

describe('NgramTable', () => {
  it('gives one id per distinct n-gram, tells n-grams from their prefixes, and keeps them through growth', () => {
    const table = new NgramTable(3);
    const random = seededRandom(9);
    const seen = new Map<string, number>();
    const ids = new Int32Array(3);
    for (let i = 0; i < 20_000; i++) {
      const n = 1 + Math.floor(random() * 3);
      for (let k = 0; k < n; k++) ids[k] = Math.floor(random() * 200);
      const key = Array.from(ids.subarray(0, n)).join(',');
      const f = table.intern(ids, 0, n);
      if (seen.has(key)) expect(f).toBe(seen.get(key));
      else {
        expect(f).toBe(seen.size);
        seen.set(key, f);
      }
    }
    expect(table.size).toBe(seen.size);
    expect(seen.size).toBeGreaterThan(5_000); // several doublings of the table
    for (const [key, f] of seen) expect(Array.from(table.key(f)).join(',')).toBe(key);
    // [0] and [0, 0] are different n-grams; so are [0, 0] and [0, 0, 0].
    expect(table.intern(Int32Array.of(0, 0, 0), 0, 1)).not.toBe(table.intern(Int32Array.of(0, 0, 0), 0, 2));
    expect(table.intern(Int32Array.of(0, 0, 0), 0, 2)).not.toBe(table.intern(Int32Array.of(0, 0, 0), 0, 3));
  });
});

describe('Vocabulary.indexOfRange', () => {
  it('finds a term inside a longer string without making the substring, as indexOf finds it', () => {
    const terms = ['card', ' ca', 'ard ', 'é€', 'a', ''];
    const vocabulary = vocabularyFrom(buildVocabulary(terms));
    const source = ' card é€ ';
    expect(vocabulary.indexOfRange(source, 1, 5)).toBe(0);
    expect(vocabulary.indexOfRange(source, 0, 3)).toBe(1);
    expect(vocabulary.indexOfRange(source, 2, 6)).toBe(2);
    expect(vocabulary.indexOfRange(source, 6, 8)).toBe(3);
    expect(vocabulary.indexOfRange(source, 2, 3)).toBe(4);
    expect(vocabulary.indexOfRange(source, 3, 3)).toBe(5);
    expect(vocabulary.indexOfRange(source, 1, 4)).toBe(-1); // "car"
    for (let start = 0; start < source.length; start++)
      for (let end = start; end <= source.length; end++)
        expect(vocabulary.indexOfRange(source, start, end)).toBe(vocabulary.indexOf(source.slice(start, end)));
  });
});

describe('16-bit fixed-point matrix values', () => {
  const docs = randomDocs(400, 12);
  const labelsOf = (d: string[]) => (d.includes('card') || d.includes('cards') ? 0 : d.includes('vpn') ? 1 : 2);
  const char = { ngramRange: [2, 4] as const, sublinearTf: true, weight: 0.7, minDf: 2 };
  const exact = fitTfidf(docs, { ngramRange: [1, 2], char });
  const fixed = fitTfidf(docs, { ngramRange: [1, 2], char, uint16: true });

  it('are each within half a step of the exact value, with the same rows and features', () => {
    expect(fixed.matrix.data).toBeInstanceOf(Uint16Array);
    const step = fixed.matrix.valueScale!;
    expect(step).toBeCloseTo(1 / 65535, 12); // the char weight is below 1: values stay below 1
    expect(Array.from(fixed.matrix.indices)).toEqual(Array.from(exact.matrix.indices));
    exact.matrix.data.forEach((v, k) => {
      expect(Math.abs(fixed.matrix.data[k]! * step - v)).toBeLessThanOrEqual(step / 2 + 1e-12);
    });
    // row() and selectRows hand out the values, not the 16-bit steps.
    const r = row(fixed.matrix, 3);
    expect(Array.from(r.values)).toEqual(Array.from(row(exact.matrix, 3).values).map((v) => expect.closeTo(v, 4)));
    const picked = selectRows(fixed.matrix, [3, 1]);
    expect(picked.valueScale).toBe(step);
    expect(Array.from(row(picked, 0).values)).toEqual(Array.from(r.values));
  });

  it('give the linear SVM the same fit as float values, and Naive Bayes refuses them', () => {
    const y = Int32Array.from(docs, labelsOf);
    const labels = ['card', 'vpn', 'other'];
    const a = fitLinearSvmDual(exact.matrix, y, labels, { c: 1, tolerance: 0.1 });
    const b = fitLinearSvmDual(fixed.matrix, y, labels, { c: 1, tolerance: 0.1 });
    let gap = 0;
    let norm = 0;
    a.model.weights.forEach((w, i) => {
      gap += (w - b.model.weights[i]!) ** 2;
      norm += w * w;
    });
    expect(Math.sqrt(gap / norm)).toBeLessThan(1e-3);
    expect(() => fitNaiveBayes(fixed.matrix, y, labels, { alpha: 1, variant: 'multinomial' })).toThrow(/fixed point/);
  });
});
