import type { StopWordListName } from './stopwords.ts';

/** Languages with a stemmer from `natural` (Porter/Snowball family). */
export const STEMMER_LANGUAGES = ['en', 'de', 'es', 'fr', 'it', 'nl', 'no', 'pt', 'ru', 'sv'] as const;
export type StemmerLanguage = (typeof STEMMER_LANGUAGES)[number];

/** How tokens are normalised after stop-word removal. */
export type Normalizer =
  | { readonly kind: 'wordnet-lemma' }
  | { readonly kind: 'stem'; readonly language: StemmerLanguage }
  | { readonly kind: 'none' };

/**
 * Everything that turns raw text into model terms. It is stored inside every
 * model artifact, so training and serving can never disagree.
 */
export interface PreprocessConfig {
  /** Stop words dropped before normalising and again after it. */
  readonly stopWords: StopWordListName;
  readonly normalizer: Normalizer;
  /** Word n-gram range over consecutive surviving tokens, e.g. [1, 2]. */
  readonly ngramRange: readonly [number, number];
  /** Longer text is cut to this many characters (and flagged as truncated). */
  readonly maxChars: number;
}

/** The blog / scikit-learn reference pipeline. */
export const REFERENCE_PREPROCESS: PreprocessConfig = Object.freeze({
  stopWords: 'nltk-english',
  normalizer: Object.freeze({ kind: 'wordnet-lemma' }),
  ngramRange: Object.freeze([1, 2]) as readonly [number, number],
  maxChars: 20_000,
});
