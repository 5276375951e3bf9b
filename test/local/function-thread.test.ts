import { afterAll, describe, expect, it } from 'vitest';
import { FunctionRegistry, LambdaFunctionError } from '../../src/local/lambda/function-registry.ts';
import { fixture } from './helpers.ts';

const functions = new FunctionRegistry('us-east-1', '000000000000');
afterAll(() => functions.close());

describe('Lambda functions registered by module (run in the Lambda worker thread)', () => {
  it('are called off the main thread like Lambda calls them: JSON event, context, JSON result, shared environment', async () => {
    await functions.registerModule('double', fixture('thread-handlers.ts'), { timeoutSeconds: 5 });
    process.env.THREAD_TEST_SETTING = 'set after start';
    const result = (await functions.invoke('double', { n: 21, nested: { list: [1, 2] } })) as Record<string, unknown>;
    expect(result).toMatchObject({
      doubled: 42,
      nested: { list: [1, 2] },
      functionName: 'double',
      onMainThread: false,
      setting: 'set after start',
    });
    expect(result.remainingMs).toBeGreaterThan(4000);
    expect(await functions.invokeJson('double', '{"n":1}')).toMatchObject({
      resultJson: expect.stringContaining('"doubled":2'),
    });
  });

  it('report errors with their name as the Lambda errorType', async () => {
    await functions.registerModule('failing', fixture('thread-handlers.ts'), { exportName: 'failing' });
    const error = await functions.invoke('failing', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LambdaFunctionError);
    expect((error as LambdaFunctionError).name).toBe('FlakyError');
    expect((error as LambdaFunctionError).payload.errorMessage).toBe('try again later');
  });

  it('return null for undefined, and refuse a module without the export', async () => {
    await functions.registerModule('nothing', fixture('thread-handlers.ts'), { exportName: 'nothing' });
    expect(await functions.invoke('nothing', {})).toBeNull();
    await expect(
      functions.registerModule('bad', fixture('thread-handlers.ts'), { exportName: 'notAFunction' }),
    ).rejects.toThrow(/exports no function "notAFunction"/);
    expect(functions.has('bad')).toBe(false);
  });

  it('time out past the function timeout (Sandbox.Timedout)', async () => {
    await functions.registerModule('slow', fixture('thread-handlers.ts'), { exportName: 'slow', timeoutSeconds: 1 });
    await expect(functions.invoke('slow', {})).rejects.toMatchObject({ name: 'Sandbox.Timedout' });
  });
});
