// Module resolution hook of the Lambda functions' worker thread (see
// function-instances.ts): a module imported by an instance's module (its URL
// carries ?lambda-instance=N) gets the same parameter, so each instance has
// its own copy of every project module, and with it its own module-level
// state. Shared by all instances: packages under node_modules, and the pure
// core (src/text, src/model: no I/O, no state but immutable data such as the
// WordNet tables) and the contracts (schemas), whose copies would behave the
// same and only cost each instance ~20 ms of CPU to load, and memory.
const PARAM = 'lambda-instance';
const SHARED = /\/node_modules\/|\/src\/(text|model|contracts)\//;

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
