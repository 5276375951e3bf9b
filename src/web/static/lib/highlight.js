/**
 * Where the words that drove a prediction are in the ticket text. The
 * explanation holds n-grams as the model saw them (lower-cased, maybe
 * lemmatized, stop words dropped), so a word of a term matches a token of
 * the text when it is the same or the token only adds a short ending
 * ("printers" for "printer"; for words of two letters only a plural
 * ending), and the words of a bigram may have up to two
 * dropped tokens between them ("printer is jammed" for "printer jammed").
 * Pure: no DOM.
 */
const TOKEN = /[\p{L}\p{N}_]{2,}/gu;

/** @typedef {{ start: number, end: number, lower: string }} Token */
/**
 * A piece of the text; a highlighted one has `weight` (0..1, relative to the
 * strongest term) and the `terms` it belongs to.
 * @typedef {{ text: string, weight?: undefined, terms?: undefined } | { text: string, weight: number, terms: string[] }} Segment
 */
/** @typedef {{ term: string, weight: number }} Term */

/**
 * The text's tokens with their offsets (the tokenizer of the model).
 * @param {string} text
 * @returns {Token[]}
 */
export function tokenize(text) {
  /** @type {Token[]} */
  const tokens = [];
  for (const m of text.matchAll(TOKEN))
    tokens.push({ start: m.index, end: m.index + m[0].length, lower: m[0].toLowerCase() });
  return tokens;
}

/** @type {(word: string, token: string) => boolean} */
const wordMatches = (word, token) =>
  token === word ||
  token === `${word}s` ||
  token === `${word}es` ||
  (word.length >= 3 && token.startsWith(word) && token.length - word.length <= 3);

/**
 * The text cut into segments (see {@link Segment}).
 * @param {string} text
 * @param {readonly Term[]} [explanation]
 * @returns {Segment[]}
 */
export function highlightSegments(text, explanation = []) {
  const terms = explanation.filter((e) => e && typeof e.term === 'string' && e.term.trim() && e.weight > 0);
  if (!text) return [];
  if (terms.length === 0) return [{ text }];
  const max = Math.max(...terms.map((t) => t.weight));
  const tokens = tokenize(text);
  /** @type {({ weight: number, terms: string[] } | null)[]} */
  const marks = tokens.map(() => null);
  for (const { term, weight } of terms) {
    const words = term.toLowerCase().split(/\s+/).filter(Boolean);
    for (let i = 0; i < tokens.length; i++) {
      if (!wordMatches(words[0], tokens[i].lower)) continue;
      const hit = [i];
      let at = i;
      for (let w = 1; w < words.length; w++) {
        let found = -1;
        for (let j = at + 1; j <= Math.min(tokens.length - 1, at + 3); j++) {
          if (wordMatches(words[w], tokens[j].lower)) {
            found = j;
            break;
          }
        }
        if (found < 0) break;
        hit.push(found);
        at = found;
      }
      if (hit.length !== words.length) continue;
      for (const k of hit) {
        marks[k] ??= { weight: 0, terms: [] };
        const mark = marks[k];
        mark.weight = Math.max(mark.weight, weight / max);
        if (!mark.terms.includes(term)) mark.terms.push(term);
      }
    }
  }
  /** @type {Segment[]} */
  const segments = [];
  let pos = 0;
  tokens.forEach((token, k) => {
    const mark = marks[k];
    if (!mark) return;
    if (token.start > pos) segments.push({ text: text.slice(pos, token.start) });
    segments.push({ text: text.slice(token.start, token.end), weight: mark.weight, terms: mark.terms });
    pos = token.end;
  });
  if (pos < text.length) segments.push({ text: text.slice(pos) });
  return segments;
}
