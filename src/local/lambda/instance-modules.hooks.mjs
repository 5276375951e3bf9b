// Module resolution hook of the Lambda functions' worker thread (see
// function-instances.ts): a module imported by an instance's module (its URL
// carries ?lambda-instance=N) gets the same parameter, so each instance has
// its own copy of every module, and with it its own module-level state, as a
// Lambda execution environment has.
//
// Shared by all instances: packages under node_modules (their state is
// created by the instances' own modules, so it is per instance too), and the
// modules the registry was told hold no module-level state, only definitions
// and immutable data (`sharedModules`: file: URLs, a folder's ending in `/`;
// the local stack names the product's in src/local-stack/shared-modules.ts).
// A copy of those would behave the same and cost each instance CPU and memory.
// A shared module imports only shared modules (an import from it resolves
// without the parameter), so the list must be closed under imports.
const PARAM = 'lambda-instance';

/** @type {readonly string[]} */
let sharedModules = [];

/** @param {{ sharedModules?: readonly string[] } | undefined} data */
export function initialize(data) {
  sharedModules = data?.sharedModules ?? [];
}

/** @param {string} url a file: URL without the parameter */
const isShared = (url) => url.includes('/node_modules/') || sharedModules.some((prefix) => url.startsWith(prefix));

// Every instance imports the same files: their resolution and their
// transpiled source are computed once (by tsx, the next hooks) and reused
// for every copy, so a new instance costs little more than evaluating its modules.
const resolved = new Map();
const loaded = new Map();

const withoutParam = (href) => {
  const url = new URL(href);
  url.searchParams.delete(PARAM);
  return url.href;
};

export async function resolve(specifier, context, nextResolve) {
  const parent = context.parentURL;
  const instance = parent ? new URL(parent).searchParams.get(PARAM) : null;
  if (instance === null) return nextResolve(specifier, context);
  const key = `${withoutParam(parent)}\0${specifier}`;
  let result = resolved.get(key);
  if (!result) {
    result = await nextResolve(specifier, context);
    if (result.url.startsWith('file:')) result = { ...result, url: withoutParam(result.url) };
    resolved.set(key, result);
  }
  if (!result.url.startsWith('file:') || isShared(result.url)) return { ...result, shortCircuit: true };
  const url = new URL(result.url);
  url.searchParams.set(PARAM, instance);
  return { ...result, url: url.href, shortCircuit: true };
}

export async function load(url, context, nextLoad) {
  if (!url.startsWith('file:') || !new URL(url).searchParams.has(PARAM)) return nextLoad(url, context);
  const key = withoutParam(url);
  let result = loaded.get(key);
  if (!result) {
    result = nextLoad(url, context);
    loaded.set(key, result);
    result.catch(() => loaded.delete(key));
  }
  const { format, source } = await result;
  return { format, source, shortCircuit: true };
}
