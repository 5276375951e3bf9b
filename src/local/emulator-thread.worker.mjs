// Entry of the emulators' worker thread (see emulator-thread.ts). A worker
// starts from a JavaScript file; the worker itself is TypeScript, loaded with
// tsx (a dependency) whether or not the main thread runs under tsx.
import { tsImport } from 'tsx/esm/api';

await tsImport('./emulator-thread.worker.ts', import.meta.url);
