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
  if (!result.url.startsWith('file:') || SHARED.test(result.url)) return { ...result, shortCircuit: true };
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
