/**
 * The product's modules that the local Lambda instances share instead of each
 * importing its own copy (src/local/lambda/instance-modules.hooks.mjs): the
 * ones with no module-level state, only definitions and immutable data. A copy
 * of them would behave the same and cost each instance CPU (compiling and
 * warming it) and memory. Everything else is per instance, as in a Lambda
 * execution environment: the handlers, the settings (`src/config.ts` caches
 * them), the SDK clients (`src/aws/clients.ts`, and the signing-date cache of
 * `src/aws/loopback-client-settings.ts`), the handler context and its caches
 * (`src/lambda/context.ts`), the logger (`src/lambda/logger.ts`), the
 * idempotency records and the Lambda context they hold
 * (`src/lambda/once-per-ticket.ts`).
 *
 * The list is closed under imports: a shared module's imports resolve without
 * an instance, so one it imports but that is not listed would exist twice (one
 * copy for the shared modules, one per instance) and `instanceof` would fail
 * between them (a `TriageError` thrown by a store, checked by the review
 * API's error handler). test/unit/local-stack/shared-modules.test.ts checks it.
 * Paths relative to the project root; a folder's ends in `/`.
 */
export const SHARED_MODULES: readonly { readonly path: string; readonly why: string }[] = [
  {
    path: 'src/text/',
    why: 'the pure preprocessing; its one lazily built value, the WordNet lemmatizer, is the same in every copy',
  },
  { path: 'src/model/', why: 'the pure model code: classes and functions' },
  { path: 'src/contracts/', why: 'message and step schemas, step errors (matched by name), the text cutter' },
  {
    path: 'src/zod.ts',
    why: 'the schema library (zod/mini re-exported); its one effect, English messages, is set in the shared zod package',
  },
  { path: 'src/errors.ts', why: 'the error table and TriageError: one class for every instanceof' },
  { path: 'src/feedback/rules.ts', why: 'the pure rules of feedback (imported by src/storage/feedback.ts)' },
  { path: 'src/storage/', why: 'the store classes and the store factory: their objects are made per instance' },
  { path: 'src/model-store/', why: 'the model store and registry classes (objects made per instance)' },
  { path: 'src/aws/errors.ts', why: 'isAwsError and withTransientErrors: functions of the error they are given' },
  { path: 'src/aws/set-fields.ts', why: 'a pure DynamoDB expression builder' },
  {
    path: 'src/aws/queues.ts',
    why: 'sendJson and toSqsJson: they use the client they are given (the SQS commands they load once are a package, shared anyway)',
  },
  { path: 'src/load-once.ts', why: 'loadOnce: a function; what it loads is kept by the module that calls it' },
  { path: 'src/lambda/model-cache.ts', why: 'the model cache class (each handler context has its own cache)' },
];
