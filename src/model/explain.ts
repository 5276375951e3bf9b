import type { FeatureContribution } from './linear.ts';
import type { TfidfVectorizer } from './tfidf.ts';

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

/** The vectorizer as an explanation needs it: its terms, and where the character n-grams start. */
export type ExplainingVectorizer = Pick<TfidfVectorizer, 'vocabulary' | 'charFeaturesFrom'>;

const hasCharFeatures = (vectorizer: ExplainingVectorizer) => vectorizer.charFeaturesFrom < vectorizer.vocabulary.size;

/**
 * How many contributions a prediction must list (`predict`'s `explain`) to
 * explain `limit` terms of a vector of `features` features: every one of them
 * for a model with character n-grams (they are shared out among words, so any
 * may count), else `limit`.
 */
export function contributionsToExplain(vectorizer: ExplainingVectorizer, features: number, limit: number): number {
  return limit > 0 && hasCharFeatures(vectorizer) ? features : limit;
}

/**
 * A prediction's explanation as people read it (the CLI and the Predict step
 * alike): the strongest `limit` terms, word n-grams as they are and, for a
 * model with character n-grams, theirs shared out among the ticket's words
 * ({@link explainInWords}).
 */
export function explainPrediction(
  contributions: readonly FeatureContribution[],
  vectorizer: ExplainingVectorizer,
  tokens: readonly string[],
  limit: number,
): TermWeight[] {
  if (!hasCharFeatures(vectorizer))
    return contributions
      .slice(0, limit)
      .map((c) => ({ term: vectorizer.vocabulary.term(c.feature), weight: c.contribution }));
  return explainInWords(
    contributions.map((c) => ({
      term: vectorizer.vocabulary.term(c.feature),
      weight: c.contribution,
      char: c.feature >= vectorizer.charFeaturesFrom,
    })),
    tokens,
    limit,
  );
}
