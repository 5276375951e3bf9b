/**
 * Size budgets of the Lambda bundles (minified ESM, bytes), checked by
 * `test/infra/bundles.test.ts`, which bundles every handler with the same
 * `bundleOptions()` as the CDK construct.
 *
 * - `startup`: `index.mjs` plus every chunk it imports statically: what a cold
 *   start reads and parses. Under 1 MiB for every handler. The biggest shares
 *   (measured 2026-11): zod ~444 KB (the full `zod` API, imported by
 *   src/config.ts and the contracts), the AWS SDK v3 clients ~400 KB (all four
 *   clients: `src/aws/clients.ts` creates them together).
 * - `total`: every `.mjs` file in the deployment package, including chunks that
 *   load only on demand. The WordNet noun data (~1.5 MB, only for lemmatizing)
 *   is such a chunk: the Preprocess step loads it on its first ticket. The other
 *   model steps and the result steps carry it too, never loading it, because
 *   `src/lambda/context.ts` reaches `ModelCache.preprocessor()`; giving the
 *   preprocessor its own cache would take it out of their packages. So are
 *   `natural`'s stemmers (~350 KB for the ten languages, one chunk each, loaded
 *   only by a model that stems instead of lemmatizing).
 *
 * Source maps (external, without sources) are not counted.
 */
export interface BundleBudget {
  readonly startup: number;
  readonly total: number;
}

const KiB = 1024;
const MiB = 1024 * KiB;

/** Handlers whose package holds the lazily loaded WordNet and stemmer chunks. */
const WITH_LEMMATIZER_DATA: BundleBudget = { startup: 1 * MiB, total: 3.25 * MiB };
/** Handlers that never reach the model code. */
const WITHOUT_MODEL_CODE: BundleBudget = { startup: 1 * MiB, total: 1.25 * MiB };

export const BUNDLE_BUDGETS: Readonly<Record<string, BundleBudget>> = {
  'start-classification': WITHOUT_MODEL_CODE,
  'pin-model-version': WITH_LEMMATIZER_DATA,
  'preprocess-ticket': WITH_LEMMATIZER_DATA,
  'vectorize-ticket': WITH_LEMMATIZER_DATA,
  'predict-category': WITH_LEMMATIZER_DATA,
  'publish-result': WITH_LEMMATIZER_DATA,
  'record-failure': WITH_LEMMATIZER_DATA,
  // The retraining steps and the review API (budgets until they are measured):
  // training code and the training data reader come on top of the model code.
  'gather-feedback': WITH_LEMMATIZER_DATA,
  'train-candidate': { startup: 1.5 * MiB, total: 3.75 * MiB },
  'evaluate-model': { startup: 1.5 * MiB, total: 3.75 * MiB },
  'promote-model': WITH_LEMMATIZER_DATA,
  'reject-candidate': WITH_LEMMATIZER_DATA,
  'record-retrain-failure': WITH_LEMMATIZER_DATA,
  'review-api': WITH_LEMMATIZER_DATA,
};
