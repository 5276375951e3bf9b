import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { FunctionRegistry } from '../../src/local/lambda/function-registry.ts';

const functions = new FunctionRegistry('us-east-1', '000000000000');
afterAll(() => functions.close());

describe('training on solver threads inside the local Lambda runtime (npm start)', () => {
  it('starts worker threads from the function thread and fits the same model as one thread', async () => {
    await functions.registerModule(
      'solver-threads',
      fileURLToPath(new URL('./fixtures/solver-threads-handler.ts', import.meta.url)),
      { timeoutSeconds: 60 },
    );
    expect(await functions.invoke('solver-threads', {})).toEqual({
      onMainThread: false,
      threads: 2,
      degraded: null,
      same: true,
    });
  });
});
