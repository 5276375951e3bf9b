// Entry of the Lambda functions' worker thread (see function-thread.ts). A
// worker starts from a JavaScript file; tsx is registered for this thread so
// the worker and the TypeScript handler modules it imports can be loaded, and
// then the hook that gives each function instance its own module graph (told
// which modules the instances share: workerData.sharedModules).
import { register as registerHooks } from 'node:module';
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
registerHooks(new URL('./instance-modules.hooks.mjs', import.meta.url), {
  data: { sharedModules: workerData?.sharedModules ?? [] },
});
await import('./function-thread.worker.ts');
