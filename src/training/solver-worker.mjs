// Entry of a solver thread when running from the sources (see solver-pool.ts):
// a worker starts from a JavaScript file, and tsx is registered for this
// thread so the TypeScript worker can be loaded. Bundles use their own
// `training-worker.mjs` entry instead.
import { register } from 'tsx/esm/api';

register();
await import('./solver-worker.ts');
