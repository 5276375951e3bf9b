import { afterAll, describe, expect, it } from 'vitest';
import { FunctionRegistry, LambdaFunctionError } from '../../src/local/lambda/function-registry.ts';
import { fixture } from './helpers.ts';

const functions = new FunctionRegistry('us-east-1', '000000000000');
afterAll(() => functions.close());

describe('Lambda functions registered by module (instances in worker threads)', () => {
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

  it('return null for undefined; a missing export fails the invocation as on Lambda; a missing file is refused', async () => {
    await functions.registerModule('nothing', fixture('thread-handlers.ts'), { exportName: 'nothing' });
    expect(await functions.invoke('nothing', {})).toBeNull();
    await functions.registerModule('bad', fixture('thread-handlers.ts'), { exportName: 'notAFunction' });
    await expect(functions.invoke('bad', {})).rejects.toMatchObject({
      name: 'Runtime.HandlerNotFound',
      payload: { errorMessage: expect.stringMatching(/exports no function "notAFunction"/) },
    });
    await expect(functions.registerModule('gone', fixture('no-such-file.ts'))).rejects.toThrow(/no such module/);
    expect(functions.has('gone')).toBe(false);
  });

  it('an instance serves one invocation at a time; concurrency comes from more instances, up to maxInstances', async () => {
    await functions.registerModule('serial', fixture('thread-handlers.ts'), {
      exportName: 'oneAtATime',
      maxInstances: 3,
    });
    const results = (await Promise.all(Array.from({ length: 12 }, () => functions.invoke('serial', { ms: 30 })))) as {
      instanceId: string;
      mostActive: number;
    }[];
    expect(results.every((r) => r.mostActive === 1)).toBe(true);
    expect(new Set(results.map((r) => r.instanceId)).size).toBe(3);
    expect((await functions.instanceStats()).serial).toMatchObject({ instances: 3, peak: 3, started: 3 });
    // Warm instances are reused: no new cold start.
    await functions.invoke('serial', { ms: 1 });
    expect((await functions.instanceStats()).serial!.started).toBe(3);
  });

  it('each instance has its own copy of the stateful project modules it imports (here: its own SDK clients)', async () => {
    await functions.registerModule('clients', fixture('thread-handlers.ts'), {
      exportName: 'clientsPerInstance',
      maxInstances: 3,
    });
    const sizes = await Promise.all(Array.from({ length: 6 }, () => functions.invoke('clients', { ms: 50 })));
    expect(Math.max(...(sizes as number[]))).toBe(3);
  });

  it('share the modules the registry names (sharedModules), and only those: one copy of their state for all instances', async () => {
    const countOn = async (registry: FunctionRegistry) => {
      await registry.registerModule('count', fixture('thread-handlers.ts'), {
        exportName: 'countInvocations',
        maxInstances: 2,
      });
      const counts = await Promise.all([registry.invoke('count', { ms: 100 }), registry.invoke('count', { ms: 100 })]);
      expect((await registry.instanceStats()).count).toMatchObject({ instances: 2 });
      return Math.max(...(counts as number[]));
    };
    const sharing = new FunctionRegistry('us-east-1', '000000000000', {
      sharedModules: [fixture('invocation-counter.ts')],
    });
    try {
      expect(await countOn(functions)).toBe(1);
      expect(await countOn(sharing)).toBe(2);
    } finally {
      await sharing.close();
    }
  });

  it('time out past the function timeout (Sandbox.Timedout); the instance is replaced, as Lambda resets it', async () => {
    await functions.registerModule('slow', fixture('thread-handlers.ts'), {
      exportName: 'slow',
      timeoutSeconds: 1,
      maxInstances: 1,
    });
    await expect(functions.invoke('slow', {})).rejects.toMatchObject({ name: 'Sandbox.Timedout' });
    await expect(functions.invoke('slow', {})).rejects.toMatchObject({ name: 'Sandbox.Timedout' });
    expect((await functions.instanceStats()).slow).toMatchObject({ started: 2 });
  });
});
