import { describe, expect, it } from 'vitest';
import { highlightSegments, tokenize } from '../../../src/web/static/lib/highlight.js';

/** The words that drove a prediction, found in the ticket text as written. */
const marked = (text: string, explanation: { term: string; weight: number }[]) =>
  highlightSegments(text, explanation)
    .filter((s) => s.weight !== undefined)
    .map((s) => [s.text, Number(s.weight!.toFixed(2))]);

describe('highlightSegments', () => {
  it('cuts the text into segments that put it back together exactly', () => {
    const text = 'My printer: jammed!\nAgain, on floor 2 (again).';
    const segments = highlightSegments(text, [
      { term: 'printer', weight: 1 },
      { term: 'again', weight: 0.5 },
    ]);
    expect(segments.map((s) => s.text).join('')).toBe(text);
    expect(
      marked(text, [
        { term: 'printer', weight: 1 },
        { term: 'again', weight: 0.5 },
      ]),
    ).toEqual([
      ['printer', 1],
      ['Again', 0.5],
      ['again', 0.5],
    ]);
  });

  it('finds lemmas and stems in their inflected forms, and bigrams across a dropped stop word', () => {
    expect(marked('Both printers are jammed', [{ term: 'printer', weight: 2 }])).toEqual([['printers', 1]]);
    expect(marked('the printer is jammed', [{ term: 'printer jammed', weight: 1 }])).toEqual([
      ['printer', 1],
      ['jammed', 1],
    ]);
    // A bigram whose words are far apart is not this bigram.
    expect(marked('printer on the second floor got jammed', [{ term: 'printer jammed', weight: 1 }])).toEqual([]);
    // Short words only match exactly ("us" is not in "user").
    expect(marked('the user uses it', [{ term: 'us', weight: 1 }])).toEqual([['uses', 1]]);
  });

  it('a token in several terms takes the strongest weight', () => {
    const segments = highlightSegments('laptop screen', [
      { term: 'laptop screen', weight: 0.5 },
      { term: 'screen', weight: 2 },
    ]);
    expect(segments.find((s) => s.text === 'screen')).toMatchObject({ weight: 1, terms: ['laptop screen', 'screen'] });
    expect(segments.find((s) => s.text === 'laptop')).toMatchObject({ weight: 0.25 });
  });

  it('without an explanation: the text as one segment', () => {
    expect(highlightSegments('hello there', [])).toEqual([{ text: 'hello there' }]);
    expect(highlightSegments('', [{ term: 'x', weight: 1 }])).toEqual([]);
  });

  it('tokenizes like the model (2+ word characters, any script)', () => {
    expect(tokenize('Ça a planté: überall 3 x42').map((t) => t.lower)).toEqual(['ça', 'planté', 'überall', 'x42']);
  });
});
