/**
 * Character n-grams inside word boundaries, as scikit-learn's
 * `analyzer='char_wb'` forms them, over the preprocessed tokens: each token is
 * padded with one space on each side and every run of `min..max` characters
 * of the padded token is an n-gram; a padded token shorter than `n` yields
 * itself once, and no longer n-grams. ("card" with [2, 5]: " c", "ca", "ar",
 * "rd", "d ", " ca", ..., " card", "card ", " card ".)
 *
 * Counting UTF-16 code units, as Python does for BMP text. Words are the
 * tokenizer's (2+ word characters), so punctuation never starts an n-gram.
 */
export function charNgrams(tokens: readonly string[], range: readonly [number, number]): string[] {
  const out: string[] = [];
  forEachCharNgram(tokens, range, (padded, start, n) => out.push(padded.slice(start, start + n)));
  return out;
}

/** Calls `visit(padded, start, n)` for every char_wb n-gram of `tokens`, in scikit-learn's order. */
export function forEachCharNgram(
  tokens: readonly string[],
  range: readonly [number, number],
  visit: (padded: string, start: number, n: number) => void,
): void {
  const [min, max] = range;
  for (const token of tokens) {
    const padded = ` ${token} `;
    forEachPaddedNgram(padded, min, max, (start, n) => visit(padded, start, n));
  }
}

/** The n-grams of one padded token: `(start, n)` pairs, in scikit-learn's order. */
export function forEachPaddedNgram(
  padded: string | { readonly length: number },
  min: number,
  max: number,
  visit: (start: number, n: number) => void,
): void {
  const length = padded.length;
  for (let n = min; n <= max; n++) {
    if (length <= n) {
      // scikit-learn: the first window (the whole padded word if shorter) once, then stop.
      visit(0, Math.min(n, length));
      break;
    }
    for (let start = 0; start + n <= length; start++) visit(start, n);
  }
}
