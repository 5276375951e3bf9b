import { describe, expect, it } from 'vitest';
import { fitLinearSvmDual, fitTfidf, seededRandom, tfidfVectorizer } from '../../../src/model/index.ts';

const docs = [
  ['card', 'card', 'lost'],
  ['lost', 'my', 'card'],
  ['new', 'pin'],
];

describe('TF-IDF with a character n-gram block', () => {
  const fitted = fitTfidf(docs, {
    ngramRange: [1, 1],
    char: { ngramRange: [2, 4], sublinearTf: true, weight: 1 },
  });
  const x = fitted.matrix;
  const cellValue = (row: number, term: string) => {
    for (let k = x.indptr[row]!; k < x.indptr[row + 1]!; k++)
      if (fitted.term(x.indices[k]!) === term && x.indices[k]! >= fitted.wordFeatures) return x.data[k]!;
    return 0;
  };

  it("gives scikit-learn's char_wb values (sublinear tf, smooth idf, L2 per block)", () => {
    // TfidfVectorizer(analyzer='char_wb', ngram_range=(2, 4), sublinear_tf=True) on the same three texts.
    expect(cellValue(0, ' c')).toBeCloseTo(0.2485599707, 9);
    expect(cellValue(0, 'card')).toBeCloseTo(0.2485599707, 9);
    expect(cellValue(0, 'ost ')).toBeCloseTo(0.1468035228, 9);
    expect(cellValue(0, ' los')).toBeCloseTo(0.1468035228, 9);
  });

  it('normalises the word block and the character block each to length 1', () => {
    for (let r = 0; r < x.rows; r++) {
      let word = 0;
      let char = 0;
      for (let k = x.indptr[r]!; k < x.indptr[r + 1]!; k++)
        if (x.indices[k]! < fitted.wordFeatures) word += x.data[k]! ** 2;
        else char += x.data[k]! ** 2;
      expect(word).toBeCloseTo(1, 12);
      expect(char).toBeCloseTo(1, 12);
    }
  });

  it('transforms a training document to its training row', () => {
    const v = tfidfVectorizer(fitted.data);
    const row = v.transform(docs[1]!);
    const start = x.indptr[1]!;
    const expected = new Map<number, number>();
    for (let k = start; k < x.indptr[2]!; k++) expected.set(x.indices[k]!, x.data[k]!);
    expect(row.indices.length).toBe(expected.size);
    row.indices.forEach((t, i) => {
      expect(row.values[i]).toBeCloseTo(expected.get(t)!, 12);
    });
  });

  it('drops n-grams in fewer rows than minDf, and keeps only the selected features', () => {
    const pruned = fitTfidf(docs, { ngramRange: [1, 2], minDf: 2 });
    const terms = Array.from({ length: pruned.matrix.cols }, (_, f) => pruned.term(f)).sort();
    expect(terms).toEqual(['card', 'lost']);
    const selected = tfidfVectorizer(fitted.select(Int32Array.from([0, fitted.wordFeatures])));
    expect(selected.vocabulary.size).toBe(2);
    expect(selected.vocabulary.term(1)).toBe(fitted.term(fitted.wordFeatures));
  });
});

describe('linear SVM warm start', () => {
  // Two overlapping topics: the fit needs many epochs from scratch.
  const random = seededRandom(11);
  const words = ['alpha', 'beta', 'gamma', 'delta', 'eps', 'zeta', 'eta', 'theta'];
  const texts: string[][] = [];
  const y: number[] = [];
  for (let i = 0; i < 400; i++) {
    const label = i % 2;
    texts.push(Array.from({ length: 5 }, () => words[Math.floor(random() * 4) + (random() < 0.7 ? label * 4 : 0)]!));
    y.push(label);
  }
  const x = fitTfidf(texts, [1, 2]).matrix;
  const labels = ['a', 'b'];
  const yy = Int32Array.from(y);
  const options = { c: 1, tolerance: 0.01 };

  it('from the full fit without some rows, a few epochs reach the fit on the other rows', () => {
    const rows = Int32Array.from({ length: 360 }, (_, i) => i);
    const full = fitLinearSvmDual(x, yy, labels, options);
    const cold = fitLinearSvmDual(x, yy, labels, { ...options, rows });
    const warm = fitLinearSvmDual(x, yy, labels, { ...options, rows, warmStart: full.dual, maxEpochs: 3 });
    expect(warm.visits).toBeLessThan(cold.visits);
    let gap = 0;
    let norm = 0;
    for (let i = 0; i < cold.model.weights.length; i++) {
      gap += (warm.model.weights[i]! - cold.model.weights[i]!) ** 2;
      norm += cold.model.weights[i]! ** 2;
    }
    expect(Math.sqrt(gap / norm)).toBeLessThan(0.05);
    // The rows left out have no dual variables (class-major: [class * rows + row]).
    for (let r = 360; r < 400; r++) {
      expect(warm.dual[r]).toBe(0);
      expect(warm.dual[400 + r]).toBe(0);
    }
    expect(warm.dual.length).toBe(800);
  });
});
