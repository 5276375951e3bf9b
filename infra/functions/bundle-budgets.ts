/**
 * Size budgets of the Lambda bundles (minified ESM, bytes), checked by
 * `test/infra/bundles.test.ts`, which bundles every handler with the same
 * `bundleOptions()` as the CDK construct.
 *
 * - `startup`: `index.mjs` plus every chunk it imports statically: what a cold
 *   start reads and parses. Under 1 MiB for every handler. The classification
 *   functions load their SDK clients, stores and model code with their first
 *   event (`src/lambda/load-context.ts`, `load-clients.ts`) and the Powertools
 *   logger with their first log line (`load-logger.ts`), so their startup is
 *   the handler and its validation (zod/mini, ~35 KiB): measured 2026-11,
 *   40-45 KiB for the model steps, publish-result and record-failure, 46 KiB
 *   for start-classification (with batch processing) (issue 13: at most
 *   400 KiB; `npm run bench:cold-start`). Their budgets hold them near that. The other handlers still import `handlerContext()` (every SDK client,
 *   ~500 KiB) at startup. The review API validates with zod/mini too (it
 *   carried the full zod API, ~440 KiB, before): ~590 KiB at startup with its
 *   roles and admin model operations (2026-12).
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
/** The model steps of classify-ticket: everything but the handler and its validation loads with the first event. */
const MODEL_STEP: BundleBudget = { startup: 64 * KiB, total: 2.75 * MiB };
/** The result steps of classify-ticket: the same, the logger loaded with their first log line. */
const CLASSIFICATION_IO: BundleBudget = { startup: 64 * KiB, total: 2.75 * MiB };

export const BUNDLE_BUDGETS: Readonly<Record<string, BundleBudget>> = {
  // Never reaches the model code.
  'start-classification': { startup: 64 * KiB, total: 768 * KiB },
  'pin-model-version': MODEL_STEP,
  'preprocess-ticket': MODEL_STEP,
  'vectorize-ticket': MODEL_STEP,
  'predict-category': MODEL_STEP,
  'publish-result': CLASSIFICATION_IO,
  'record-failure': CLASSIFICATION_IO,
  // The retraining steps and the review API (budgets until they are measured):
  // training code and the training data reader come on top of the model code.
  'gather-feedback': WITH_LEMMATIZER_DATA,
  'train-candidate': { startup: 1.5 * MiB, total: 3.75 * MiB },
  'evaluate-model': { startup: 1.5 * MiB, total: 3.75 * MiB },
  'promote-model': WITH_LEMMATIZER_DATA,
  'reject-candidate': WITH_LEMMATIZER_DATA,
  'record-retrain-failure': WITH_LEMMATIZER_DATA,
  // handlerContext() (every SDK client) at startup, the router, roles, validation; room for a route or two.
  'review-api': { startup: 768 * KiB, total: WITH_LEMMATIZER_DATA.total },
};
