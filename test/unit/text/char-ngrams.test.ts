import { describe, expect, it } from 'vitest';
import { charNgrams } from '../../../src/text/index.ts';

describe('character n-grams inside word boundaries (char_wb)', () => {
  it("match scikit-learn's char_wb analyzer, in its order", () => {
    // TfidfVectorizer(analyzer='char_wb', ngram_range=(2, 5)).build_analyzer()('my card it')
    expect(charNgrams(['my', 'card', 'it'], [2, 5])).toEqual([
      ' m',
      'my',
      'y ',
      ' my',
      'my ',
      ' my ',
      ' c',
      'ca',
      'ar',
      'rd',
      'd ',
      ' ca',
      'car',
      'ard',
      'rd ',
      ' car',
      'card',
      'ard ',
      ' card',
      'card ',
      ' i',
      'it',
      't ',
      ' it',
      'it ',
      ' it ',
    ]);
  });

  it('yield a short padded word once and nothing longer', () => {
    expect(charNgrams(['ab'], [3, 6])).toEqual([' ab', 'ab ', ' ab ']);
    expect(charNgrams(['ab'], [5, 6])).toEqual([' ab ']);
  });

  it('never join two words', () => {
    const grams = charNgrams(['ab', 'cd'], [2, 5]);
    expect(grams.some((g) => g.includes('b c') || g.includes('bc'))).toBe(false);
  });
});
