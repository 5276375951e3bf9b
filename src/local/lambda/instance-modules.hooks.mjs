// Module resolution hook of the Lambda functions' worker thread (see
// function-instances.ts): a module imported by an instance's module (its URL
// carries ?lambda-instance=N) gets the same parameter, so each instance has
// its own copy of every project module, and with it its own module-level
// state. Shared by all instances: packages under node_modules, and project
// modules that hold no module-level state, only definitions and immutable
// data (the pure core src/text and src/model, the contracts, the storage and
// model-store classes, the error classes, the model cache class): a copy of
// them would behave the same and cost each instance CPU (compiling and
// warming its own copy) and memory. Whatever holds state — the handlers,
// settings, SDK clients, the handler context and its caches, the logger, the
// idempotency records — is per instance.
const PARAM = 'lambda-instance';
const SHARED =
  /\/node_modules\/|\/src\/(text|model|contracts|storage|model-store)\/|\/src\/aws\/queues\.ts$|\/src\/lambda\/(errors|model-cache)\.ts$/;

export async function resolve(specifier, context, nextResolve) {
  const result = await nextResolve(specifier, context);
  const parent = context.parentURL;
  if (!parent || !result.url.startsWith('file:') || SHARED.test(result.url)) return result;
  const instance = new URL(parent).searchParams.get(PARAM);
  if (instance === null) return result;
  const url = new URL(result.url);
  if (url.searchParams.get(PARAM) === instance) return result;
  url.searchParams.set(PARAM, instance);
  return { ...result, url: url.href };
}
