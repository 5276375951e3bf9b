/**
 * Word n-grams in scikit-learn's order: for `[1, 2]`, every unigram first,
 * then every bigram of consecutive tokens, joined by a single space.
 */
export function ngrams(tokens: readonly string[], range: readonly [number, number]): string[] {
  const [min, max] = range;
  if (max === 1 && min === 1) return tokens.slice();
  const out: string[] = [];
  const n = tokens.length;
  for (let size = min; size <= Math.min(max, n); size++) {
    for (let i = 0; i + size <= n; i++) {
      let gram = tokens[i]!;
      for (let j = 1; j < size; j++) gram += ` ${tokens[i + j]!}`;
      out.push(gram);
    }
  }
  return out;
}
