// Module resolution hook of the Lambda functions' worker thread (see
// function-instances.ts): a module imported by an instance's module (its URL
// carries ?lambda-instance=N) gets the same parameter, so each instance has
// its own copy of every project module, and with it its own module-level
// state. Packages under node_modules are shared.
const PARAM = 'lambda-instance';

export async function resolve(specifier, context, nextResolve) {
  const result = await nextResolve(specifier, context);
  const parent = context.parentURL;
  if (!parent || !result.url.startsWith('file:') || result.url.includes('/node_modules/')) return result;
  const instance = new URL(parent).searchParams.get(PARAM);
  if (instance === null) return result;
  const url = new URL(result.url);
  if (url.searchParams.get(PARAM) === instance) return result;
  url.searchParams.set(PARAM, instance);
  return { ...result, url: url.href };
}
