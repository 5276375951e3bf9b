import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { WORKER_RESOURCE_LIMITS } from '../../src/local/heap.ts';
import { INVOCATION_HEADER } from '../../src/local/invocation-identity.ts';
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
      youngGenerationMb: WORKER_RESOURCE_LIMITS.maxYoungGenerationSizeMb,
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

  it('run each invocation inside its invocation key: every request an instance makes carries its own (x-local-invocation)', async () => {
    // The local SQS leaves out a send that the same Task invocation made before a crash; that works only if
    // each request carries the key of the invocation that made it, on whichever instance it ran.
    const server = createServer((req, res) =>
      res.end(decodeURIComponent(String(req.headers[INVOCATION_HEADER] ?? ''))),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    try {
      await functions.registerModule('tagged', fixture('thread-handlers.ts'), {
        exportName: 'requestTwice',
        maxInstances: 2,
      });
      // Six invocations on two instances: four wait for an instance to come free, and run inside their own key.
      const keys = Array.from({ length: 6 }, (_, i) => `arn:aws:states:us-east-1:0:execution:m:e${i}#Step#1`);
      const results = (await Promise.all(
        keys.map((invocationKey) =>
          functions.invokeJson('tagged', JSON.stringify({ url, ms: 20 }), { invocationKey }).then((r) => r.result),
        ),
      )) as { instanceId: string; seen: (string | null)[] }[];
      expect(results.map((r) => r.seen)).toEqual(keys.map((key) => [key, key]));
      expect(new Set(results.map((r) => r.instanceId)).size).toBe(2);
      // Without a key, nothing is added.
      expect(((await functions.invoke('tagged', { url, ms: 0 })) as { seen: unknown[] }).seen).toEqual([null, null]);
    } finally {
      server.close();
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

  it('time an invocation from when an instance takes it, as Lambda does: waiting for a free instance is not part of the timeout', async () => {
    await functions.registerModule('queued', fixture('thread-handlers.ts'), {
      exportName: 'requestId',
      timeoutSeconds: 1,
      maxInstances: 1,
    });
    // Three invocations of 600 ms on one instance: the third waits 1.2 s for it, longer than the timeout.
    const results = (await Promise.all([0, 1, 2].map(() => functions.invoke('queued', { ms: 600 })))) as {
      remainingMs: number;
    }[];
    for (const { remainingMs } of results) expect(remainingMs).toBeGreaterThan(800);
  });

  it('give an invocation with an identity a request id derived from it (the re-run after a crash has the same one)', async () => {
    await functions.registerModule('ids', fixture('thread-handlers.ts'), { exportName: 'requestId', maxInstances: 2 });
    const key = 'arn:aws:states:us-east-1:0:express:m:e:1#PublishResult#1';
    const run = async (invocationKey?: string) =>
      (
        (await functions.invokeJson('ids', '{"ms":0}', invocationKey === undefined ? {} : { invocationKey }))
          .result as { requestId: string }
      ).requestId;
    const [first, again, other, none1, none2] = [
      await run(key),
      await run(key),
      await run(`${key}x`),
      await run(),
      await run(),
    ];
    expect(first).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(again).toBe(first);
    expect(new Set([first, other, none1, none2]).size).toBe(4);
  });
});
