import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { startLocalRuntime, type LocalRuntime } from '../../src/local/runtime.ts';
import { fixture } from './helpers.ts';

const quiet = { info() {}, warn() {}, error() {} };
let rt: LocalRuntime | undefined;
afterEach(async () => {
  await rt?.stop();
  rt = undefined;
});

describe("the runtime's threads report how busy their event loops are", () => {
  it('a handler that computes shows on the Lambda functions thread, not on the main thread that waits for it', async () => {
    rt = await startLocalRuntime({ logger: quiet });
    expect(rt.eventLoopUtilization().functions).toBeUndefined(); // no function registered by module yet
    await rt.registerFunctionModule('busy', fixture('thread-handlers.ts'), { exportName: 'busy' });
    await rt.functions.invoke('busy', { ms: 1 }); // the instance's cold start, outside the span
    const before = rt.eventLoopUtilization();
    expect(await rt.functions.invoke('busy', { ms: 300 })).toBe(true);
    const after = rt.eventLoopUtilization();
    const functions = performance.eventLoopUtilization(after.functions!, before.functions!);
    const main = performance.eventLoopUtilization(after.main, before.main);
    expect(functions.active).toBeGreaterThanOrEqual(250);
    expect(functions.utilization).toBeGreaterThan(0.7);
    expect(main.active).toBeLessThan(functions.active / 2);
    expect(after.emulators).toBeDefined(); // S3/SQS/DynamoDB in their worker thread (the default)
  });

  it('has no separate servers thread to report when the servers run on the main thread', async () => {
    rt = await startLocalRuntime({ logger: quiet, emulatorThread: 'main' });
    expect(rt.eventLoopUtilization().emulators).toBeUndefined();
    expect(rt.eventLoopUtilization().main.idle).toBeGreaterThanOrEqual(0);
  });
});
