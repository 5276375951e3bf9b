/**
 * A noun lemmatizer that reproduces NLTK's `WordNetLemmatizer().lemmatize(w)`
 * (default `pos='n'`) exactly: WordNet's "morphy" over the noun index and the
 * noun exception list, returning the shortest candidate (the first one among
 * equals), or the word itself when WordNet knows none.
 *
 * That includes NLTK's well-known quirks, which the reference model was
 * trained with: `uses -> us`, `us -> u`, `data -> data`, `mice -> mouse`.
 *
 * Pure: the WordNet data is passed in (see ./wordnet/index.ts).
 */

/** WordNet noun data: every lemma of index.noun, and noun.exc. */
export interface WordNetNounData {
  /** Lemmas of `index.noun`, newline-separated. */
  readonly lemmas: string;
  /** `noun.exc`: inflected form -> base forms. */
  readonly exceptions: Readonly<Record<string, readonly string[]>>;
}

/** NLTK's `MORPHOLOGICAL_SUBSTITUTIONS[NOUN]`, in NLTK's order. */
const NOUN_SUBSTITUTIONS: ReadonlyArray<readonly [string, string]> = [
  ['s', ''],
  ['ses', 's'],
  ['ves', 'f'],
  ['xes', 'x'],
  ['zes', 'z'],
  ['ches', 'ch'],
  ['shes', 'sh'],
  ['men', 'man'],
  ['ies', 'y'],
];

export type Lemmatize = (word: string) => string;

export function createNounLemmatizer(data: WordNetNounData): Lemmatize {
  const nouns = new Set(data.lemmas.split('\n'));
  const exceptions = new Map<string, readonly string[]>(Object.entries(data.exceptions));
  const cache = new Map<string, string>();

  const applyRules = (forms: readonly string[]): string[] => {
    const out: string[] = [];
    for (const form of forms) {
      for (const [old, replacement] of NOUN_SUBSTITUTIONS) {
        if (form.endsWith(old)) out.push(form.slice(0, form.length - old.length) + replacement);
      }
    }
    return out;
  };

  const filterForms = (forms: readonly string[]): string[] => {
    const result: string[] = [];
    for (const form of forms) {
      if (nouns.has(form) && !result.includes(form)) result.push(form);
    }
    return result;
  };

  const morphy = (form: string): string[] => {
    const exception = exceptions.get(form);
    if (exception !== undefined) return filterForms([form, ...exception]);
    let forms = applyRules([form]);
    const results = filterForms([form, ...forms]);
    if (results.length > 0) return results;
    while (forms.length > 0) {
      forms = applyRules(forms);
      const found = filterForms(forms);
      if (found.length > 0) return found;
    }
    return [];
  };

  const shortest = (candidates: readonly string[]): string => {
    let best = candidates[0]!;
    for (const candidate of candidates) if (candidate.length < best.length) best = candidate;
    return best;
  };

  return (word: string): string => {
    let lemma = cache.get(word);
    if (lemma === undefined) {
      const candidates = morphy(word);
      lemma = candidates.length > 0 ? shortest(candidates) : word;
      // Bounded: a corpus has tens of thousands of distinct words, not millions.
      if (cache.size < 500_000) cache.set(word, lemma);
    }
    return lemma;
  };
}
