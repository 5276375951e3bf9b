import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createPreprocessor,
  ngrams,
  NLTK_ENGLISH_STOP_WORDS,
  REFERENCE_PREPROCESS,
  tokenize,
} from '../../../src/text/index.ts';
import { wordNetLemmatizer } from '../../../src/text/wordnet/index.ts';
import { hasShared, sharedFile } from '../../support/shared.ts';

describe('tokenize', () => {
  it('lower-cases and keeps runs of two or more Unicode word characters', () => {
    expect(tokenize("Can't log-in to VPN, error 0x80_1 — Zürich ÅB a 7")).toEqual([
      'can',
      'log',
      'in',
      'to',
      'vpn',
      'error',
      '0x80_1',
      'zürich',
      'åb',
    ]);
  });
  // Expected values from Python: re.findall(r'(?u)\b\w\w+\b', s.lower()), what scikit-learn runs.
  it.each([
    ['naïve café', ['naïve', 'café']],
    ['cafe\u0301 ok', ['cafe', 'ok']], // a combining mark is not a word character
    ['東京 タワー', ['東京', 'タワー']],
    ['٣٤ arabic ١', ['٣٤', 'arabic']], // Arabic-Indic digits are digits
    ['x_y __ a_', ['x_y', '__', 'a_']],
    ['emoji 😀😀 ok', ['emoji', 'ok']],
    ['İstanbul', ['stanbul']], // lower-cases to i + combining dot, as in Python
    ['ǅemal', ['ǆemal']], // title-case digraph
    ['straße STRASSE', ['straße', 'strasse']],
    ['½ ²³ 12', ['²³', '12']],
  ])('matches Python on %j', (text, tokens) => {
    expect(tokenize(text)).toEqual(tokens);
  });

  it('returns nothing for text without words', () => {
    expect(tokenize('  ... ! a b c')).toEqual([]);
  });
});

describe('stop words', () => {
  it('is NLTK English: 179 distinct words', () => {
    expect(NLTK_ENGLISH_STOP_WORDS).toHaveLength(179);
    expect(new Set(NLTK_ENGLISH_STOP_WORDS).size).toBe(179);
  });
});

describe('NLTK-compatible WordNet noun lemmatizer', () => {
  const lemmatize = wordNetLemmatizer();
  it.each([
    ['uses', 'us'],
    ['us', 'u'],
    ['data', 'data'],
    ['mice', 'mouse'],
    ['windows', 'window'],
    ['abs', 'ab'],
    ['equipments', 'equipment'],
    ['engineers', 'engineer'],
    ['boxes', 'box'],
    ['passwords', 'password'],
    ['needed', 'needed'],
    ['women', 'woman'],
    ['xyzzyqs', 'xyzzyqs'],
  ])('%s -> %s', (word, lemma) => {
    expect(lemmatize(word)).toBe(lemma);
  });
});

describe('reference preprocessing', () => {
  it('drops stop words before and after lemmatizing, and 1-character lemmas', async () => {
    const p = await createPreprocessor(REFERENCE_PREPROCESS);
    // "us" survives the first stop-word pass and lemmatizes to "u", which the
    // reference tokenizer drops (1 character).
    expect(p.preprocess('The printers of us were NOT working').tokens).toEqual(['printer', 'working']);
  });

  it('cuts text over the cap and flags it', async () => {
    const p = await createPreprocessor({ ...REFERENCE_PREPROCESS, maxChars: 14 });
    expect(p.preprocess('laptop screen broken')).toEqual({ tokens: ['laptop', 'screen'], truncated: true });
    expect(p.preprocess('laptop screens')).toEqual({ tokens: ['laptop', 'screen'], truncated: false });
    expect(p.preprocess('laptop screenshots')).toEqual({ tokens: ['laptop'], truncated: true });
    expect(p.preprocess('laptop').truncated).toBe(false);
  });

  it('can stem instead (natural Porter stemmer, deep import)', async () => {
    const p = await createPreprocessor({ ...REFERENCE_PREPROCESS, normalizer: { kind: 'stem', language: 'en' } });
    expect(p.preprocess('connecting connections').tokens).toEqual(['connect', 'connect']);
  });

  it('builds n-grams from consecutive surviving tokens, unigrams first', () => {
    expect(ngrams(['a1', 'b2', 'c3'], [1, 2])).toEqual(['a1', 'b2', 'c3', 'a1 b2', 'b2 c3']);
    expect(ngrams(['a1'], [1, 3])).toEqual(['a1']);
    expect(ngrams(['a1', 'b2', 'c3'], [2, 3])).toEqual(['a1 b2', 'b2 c3', 'a1 b2 c3']);
  });
});

describe.skipIf(!hasShared('reference', 'golden_preprocess.jsonl'))(
  'golden examples from the scikit-learn reference',
  () => {
    // Read lazily: a skipped describe still runs its body while collecting.
    let golden: { row: number; raw: string; nostop: string; lemmatized: string }[] = [];
    beforeAll(() => {
      golden = readFileSync(sharedFile('reference', 'golden_preprocess.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { row: number; raw: string; nostop: string; lemmatized: string });
    });

    it('has 200 examples', () => expect(golden).toHaveLength(200));

    it('lemmatizes every token exactly as NLTK did (200/200 documents)', () => {
      const lemmatize = wordNetLemmatizer();
      const mismatched = golden.filter((g) => g.nostop.split(' ').map(lemmatize).join(' ') !== g.lemmatized);
      expect(mismatched.map((g) => g.row)).toEqual([]);
    });

    it('produces the terms scikit-learn counted (200/200 documents)', async () => {
      const p = await createPreprocessor(REFERENCE_PREPROCESS);
      const stop = new Set(NLTK_ENGLISH_STOP_WORDS);
      const mismatched = golden.filter((g) => {
        const expected = tokenize(g.lemmatized).filter((t) => !stop.has(t));
        return p.preprocess(g.raw).tokens.join(' ') !== expected.join(' ');
      });
      expect(mismatched.map((g) => g.row)).toEqual([]);
    });
  },
);
