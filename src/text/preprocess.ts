import type { PreprocessConfig, Normalizer, StemmerLanguage } from './config.ts';
import { STOP_WORD_LISTS } from './stopwords.ts';
import { tokenize } from './tokenize.ts';

export interface PreprocessedText {
  /** Normalised tokens in text order (stop words removed). */
  readonly tokens: string[];
  /** True when the text was longer than `maxChars` and was cut. */
  readonly truncated: boolean;
}

export interface Preprocessor {
  readonly config: PreprocessConfig;
  /** Raw text -> normalised tokens. */
  preprocess(text: string): PreprocessedText;
}

type Normalize = (token: string) => string;

type StemmerModule = { default: { stem(token: string): string } };

/**
 * `natural`'s stemmer modules, as literal deep imports (never the package
 * root), so that a bundler sees them: each becomes a chunk of its own, loaded
 * only by a model that stems in that language (a template-literal import is
 * left to run time, where a Lambda bundle has no node_modules).
 */
const STEMMER_MODULES: Record<StemmerLanguage, () => Promise<StemmerModule>> = {
  en: () => import('natural/lib/natural/stemmers/porter_stemmer.js'),
  de: () => import('natural/lib/natural/stemmers/porter_stemmer_de.js'),
  es: () => import('natural/lib/natural/stemmers/porter_stemmer_es.js'),
  fr: () => import('natural/lib/natural/stemmers/porter_stemmer_fr.js'),
  it: () => import('natural/lib/natural/stemmers/porter_stemmer_it.js'),
  nl: () => import('natural/lib/natural/stemmers/porter_stemmer_nl.js'),
  no: () => import('natural/lib/natural/stemmers/porter_stemmer_no.js'),
  pt: () => import('natural/lib/natural/stemmers/porter_stemmer_pt.js'),
  ru: () => import('natural/lib/natural/stemmers/porter_stemmer_ru.js'),
  sv: () => import('natural/lib/natural/stemmers/porter_stemmer_sv.js'),
};

/**
 * Loads only what the normaliser needs: the WordNet data for lemmatizing, one
 * of `natural`'s stemmer modules (a deep import, never the package root) for
 * stemming.
 */
async function loadNormalizer(normalizer: Normalizer): Promise<Normalize | undefined> {
  switch (normalizer.kind) {
    case 'none':
      return undefined;
    case 'wordnet-lemma': {
      const { wordNetLemmatizer } = await import('./wordnet/index.ts');
      return wordNetLemmatizer();
    }
    case 'stem': {
      const load = STEMMER_MODULES[normalizer.language];
      if (load === undefined) throw new Error(`no stemmer for language "${normalizer.language}"`);
      const stemmer = (await load()).default;
      return (token) => stemmer.stem(token);
    }
  }
}

const WORD_CHAR = /[\p{L}\p{N}_]/u;

/** The first `max` characters, without a word cut in half at the end. */
export function cutAtWordBoundary(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max;
  // Never between the two halves of a surrogate pair.
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  if (WORD_CHAR.test(text.slice(end, end + 2).match(/^./su)?.[0] ?? '')) {
    while (end > 0 && WORD_CHAR.test(text.slice(Math.max(0, end - 2), end).match(/.$/su)?.[0] ?? '')) {
      end -= (text.slice(Math.max(0, end - 2), end).match(/.$/su)?.[0] ?? ' ').length;
    }
  }
  return text.slice(0, end);
}

/**
 * The reference preprocessing: lower-case, tokens of 2+ word characters, drop
 * stop words, normalise (NLTK-compatible WordNet noun lemma by default), drop
 * stop words again (and anything normalisation turned into a 1-character or
 * non-word token, as scikit-learn's tokenizer would after the reference's
 * lemmatizing pass).
 */
export async function createPreprocessor(config: PreprocessConfig): Promise<Preprocessor> {
  const stop = new Set(STOP_WORD_LISTS[config.stopWords]);
  const normalize = await loadNormalizer(config.normalizer);
  const normalized = new Map<string, readonly string[]>();

  const normalizeToken = (token: string): readonly string[] => {
    let out = normalized.get(token);
    if (out === undefined) {
      const form = normalize!(token);
      out = form === token ? [token] : tokenize(form).filter((t) => !stop.has(t));
      if (normalized.size < 500_000) normalized.set(token, out);
    }
    return out;
  };

  return {
    config,
    preprocess(text: string): PreprocessedText {
      const truncated = text.length > config.maxChars;
      const raw = tokenize(truncated ? cutAtWordBoundary(text, config.maxChars) : text);
      const tokens: string[] = [];
      for (const token of raw) {
        if (stop.has(token)) continue;
        if (normalize === undefined) tokens.push(token);
        else for (const t of normalizeToken(token)) tokens.push(t);
      }
      return { tokens, truncated };
    },
  };
}
