import { REFERENCE_PREPROCESS, type PreprocessConfig } from '../text/config.ts';

/**
 * Every word as written: lower-case tokens of 2+ word characters, no stop-word
 * removal, no lemmas. Stop words carry signal in tickets ("can't log IN",
 * "not working"): a linear model gains ~0.7 pt on the Endava split with them.
 */
export const PLAIN_WORDS_PREPROCESS: PreprocessConfig = Object.freeze({
  stopWords: 'none',
  normalizer: Object.freeze({ kind: 'none' }),
  ngramRange: Object.freeze([1, 2]) as readonly [number, number],
  maxChars: REFERENCE_PREPROCESS.maxChars,
});

/** How the classifier of a profile is fitted. `'auto'` = chosen on a validation split of the training rows. */
export type ClassifierSpec =
  | {
      readonly kind: 'naive-bayes';
      readonly variant: 'multinomial' | 'complement';
      readonly alpha: number | 'auto';
      /** Fit the softmax temperature on the validation split (else scikit-learn's predict_proba). */
      readonly calibrate: boolean;
    }
  | {
      readonly kind: 'linear-svm';
      readonly c: number | 'auto';
      readonly tolerance: number;
      readonly classWeight: 'balanced' | 'none';
      /** Drop n-grams whose weight is below this for every category (0 = keep all). */
      readonly pruneBelow?: number;
      readonly calibrate: true;
    };

export interface ProfileSpec {
  readonly name: ProfileName;
  readonly description: string;
  readonly preprocess: PreprocessConfig;
  readonly classifier: ClassifierSpec;
}

export const PROFILE_NAMES = ['reference', 'naive-bayes-tuned', 'linear-svm'] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];

/** Alpha grid searched by `naive-bayes-tuned`. */
export const NB_ALPHA_GRID: readonly number[] = [1, 0.3, 0.1, 0.03, 0.01, 0.003];
/** C grid searched by `linear-svm` when `c` is 'auto'. */
export const SVM_C_GRID: readonly number[] = [0.25, 0.5, 1, 2];

export const PROFILES: Readonly<Record<ProfileName, ProfileSpec>> = {
  reference: {
    name: 'reference',
    description:
      'The blog / scikit-learn pipeline exactly: WordNet lemmas, (1,2)-grams, TF-IDF, MultinomialNB alpha=1.',
    preprocess: REFERENCE_PREPROCESS,
    classifier: { kind: 'naive-bayes', variant: 'multinomial', alpha: 1, calibrate: false },
  },
  'naive-bayes-tuned': {
    name: 'naive-bayes-tuned',
    description:
      'Same features; Complement Naive Bayes with alpha chosen on a validation split, temperature-calibrated.',
    preprocess: REFERENCE_PREPROCESS,
    classifier: { kind: 'naive-bayes', variant: 'complement', alpha: 'auto', calibrate: true },
  },
  'linear-svm': {
    name: 'linear-svm',
    description:
      'All words as written (no stop-word removal, no lemmas), (1,2)-grams, TF-IDF; one-vs-rest linear SVM (dual coordinate descent, as LinearSVC) with balanced class weights, n-grams of negligible weight pruned; probabilities by temperature-scaled softmax.',
    preprocess: PLAIN_WORDS_PREPROCESS,
    classifier: {
      kind: 'linear-svm',
      c: 0.5,
      tolerance: 0.1,
      classWeight: 'balanced',
      pruneBelow: 0.1,
      calibrate: true,
    },
  },
};

/** The profile new models use unless told otherwise (the best measured; see README). */
export const DEFAULT_PROFILE: ProfileName = 'linear-svm';

export function isProfileName(name: string): name is ProfileName {
  return (PROFILE_NAMES as readonly string[]).includes(name);
}
