import { describe, expect, it } from 'vitest';
import { fitNaiveBayes, fitTfidf, linearClassifier, transformAll, row } from '../../../src/model/index.ts';

// Expected values computed with scikit-learn 1.2.1:
//   CountVectorizer(ngram_range=(1,2)) + TfidfTransformer() + MultinomialNB() / ComplementNB(alpha=0.3)
const docs = [
  'printer jam printer',
  'password reset account',
  'laptop screen broken',
  'account locked password',
  'printer toner empty',
  'new laptop request',
];
const labels = ['Access', 'Hardware', 'Purchase'];
const y = Int32Array.from([1, 0, 1, 0, 1, 2]);
const tokens = (d: string) => d.split(' ');

describe('TF-IDF (scikit-learn semantics)', () => {
  const fitted = fitTfidf(docs.map(tokens), [1, 2]);
  it('learns unigrams and bigrams of the training documents', () => {
    expect(fitted.vectorizer.vocabulary.size).toBe(25);
    expect(fitted.vectorizer.vocabulary.indexOf('account locked')).toBeGreaterThanOrEqual(0);
    expect(fitted.vectorizer.vocabulary.indexOf('locked account')).toBe(-1);
  });
  it('uses smooth idf ln((1+n)/(1+df))+1', () => {
    const account = fitted.vectorizer.vocabulary.indexOf('account');
    expect(fitted.data.idf[account]).toBeCloseTo(1.847297860387, 10);
    expect(fitted.data.idf[fitted.vectorizer.vocabulary.indexOf('jam')]).toBeCloseTo(2.252762968495, 10);
  });
  it('L2-normalises rows and counts unknown n-grams', () => {
    const x = fitted.vectorizer.transform(['printer', 'password', 'zebra']);
    expect(Array.from(x.values)).toEqual([Math.SQRT1_2, Math.SQRT1_2].map((v) => expect.closeTo(v, 12)));
    expect(x.unknown).toBe(3); // "zebra", "printer password", "password zebra"
  });
});

describe('Naive Bayes as a linear model', () => {
  const fitted = fitTfidf(docs.map(tokens), [1, 2]);
  const test = transformAll(fitted.vectorizer, [tokens('printer password'), tokens('laptop request broken')]);

  it('MultinomialNB(alpha=1): the same probabilities as scikit-learn', () => {
    const nb = linearClassifier(fitNaiveBayes(fitted.matrix, y, labels, { variant: 'multinomial', alpha: 1 }));
    expect(Array.from(nb.probabilities(row(test, 0)))).toEqual(
      [0.34614212262, 0.525576654409, 0.128281222971].map((p) => expect.closeTo(p, 6)),
    );
    expect(Array.from(nb.probabilities(row(test, 1)))).toEqual(
      [0.260104087418, 0.480393437633, 0.259502474949].map((p) => expect.closeTo(p, 6)),
    );
  });

  it('ComplementNB(alpha=0.3): the same probabilities as scikit-learn', () => {
    const cnb = linearClassifier(fitNaiveBayes(fitted.matrix, y, labels, { variant: 'complement', alpha: 0.3 }));
    expect(Array.from(cnb.probabilities(row(test, 0)))).toEqual(
      [0.406022091997, 0.397864346668, 0.196113561335].map((p) => expect.closeTo(p, 6)),
    );
    expect(cnb.predict(row(test, 1)).category).toBe('Purchase');
  });

  it('returns top-k sorted by probability and an explanation of the winning n-grams', () => {
    const nb = linearClassifier(fitNaiveBayes(fitted.matrix, y, labels, { variant: 'multinomial', alpha: 1 }));
    const x = fitted.vectorizer.transform(tokens('printer jam'));
    const p = nb.predict(x, { topK: 2, explain: 3 });
    expect(p.category).toBe('Hardware');
    expect(p.top.map((t) => t.category)).toEqual(['Hardware', expect.any(String)]);
    expect(p.top[0]!.probability).toBeGreaterThan(p.top[1]!.probability);
    const terms = p.explanation!.map((e) => fitted.vectorizer.vocabulary.term(e.feature));
    expect(terms).toContain('printer');
    expect(p.explanation!.every((e, i, all) => i === 0 || all[i - 1]!.contribution >= e.contribution)).toBe(true);
  });

  it('rejects a vector from a bigger vocabulary', () => {
    const nb = linearClassifier(fitNaiveBayes(fitted.matrix, y, labels, { variant: 'multinomial', alpha: 1 }));
    expect(() => nb.scores({ indices: [9999], values: [1] })).toThrow(/outside this model/);
  });
});
