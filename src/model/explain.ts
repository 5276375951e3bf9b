/** One term of an explanation and its push towards the chosen category over the runner-up (score units). */
export interface TermWeight {
  readonly term: string;
  readonly weight: number;
}

/**
 * An explanation in words: the contributions of word n-grams as they are, and
 * those of character n-grams (unreadable on their own: " ca", "ard ") shared
 * out among the words that contain them, then the strongest `limit` terms.
 * `tokens` are the ticket's words; a character n-gram with a boundary space
 * belongs to the words that start (" ca") or end ("rd ") with it.
 */
export function explainInWords(
  contributions: readonly { readonly term: string; readonly weight: number; readonly char: boolean }[],
  tokens: readonly string[],
  limit: number,
): TermWeight[] {
  const weights = new Map<string, number>();
  const add = (term: string, weight: number) => weights.set(term, (weights.get(term) ?? 0) + weight);
  const words = [...new Set(tokens)];
  for (const c of contributions) {
    if (!c.char) {
      add(c.term, c.weight);
      continue;
    }
    const owners = words.filter((w) => ` ${w} `.includes(c.term));
    for (const w of owners) add(w, c.weight / owners.length);
  }
  return [...weights.entries()]
    .filter(([, weight]) => weight > 0)
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([term, weight]) => ({ term, weight }));
}
