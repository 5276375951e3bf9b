// Entry of the Lambda functions' worker thread (see function-thread.ts). A
// worker starts from a JavaScript file; tsx is registered for this thread so
// the worker and the TypeScript handler modules it imports can be loaded.
import { register } from 'tsx/esm/api';

register();
await import('./function-thread.worker.ts');
