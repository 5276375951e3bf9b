import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalRuntime, type LocalRuntime } from '../../src/local/runtime.ts';

/**
 * Step Functions' 256 KiB payload quota where AWS checks it: StartExecution's
 * input, a state's input after Parameters, a task's result, a state's output;
 * `States.DataLimitExceeded` is caught only by a catcher that names it.
 */
const KIB = 1024;
let rt: LocalRuntime;
let sfn: SFNClient;
const calls = new Map<string, number>();

const machine = (catchers: object[], retriers: object[] = []) =>
  JSON.stringify({
    StartAt: 'Grow',
    States: {
      Grow: {
        Type: 'Task',
        Resource: 'arn:aws:lambda:us-east-1:000000000000:function:grow',
        Parameters: { 'id.$': '$.id', 'resultKiB.$': '$.resultKiB', 'twice.$': '$.twice', 'again.$': '$.twice' },
        ResultPath: '$.grown',
        TimeoutSeconds: 10,
        Retry: retriers,
        Catch: catchers,
        Next: 'Done',
      },
      Done: { Type: 'Succeed' },
      Caught: { Type: 'Pass', Result: 'caught by name', ResultPath: '$.caughtBy', End: true },
      CaughtByAll: { Type: 'Pass', Result: 'caught by States.ALL', ResultPath: '$.caughtBy', End: true },
    },
  });

let byName: string;
let allOnly: string;

beforeAll(async () => {
  rt = await startLocalRuntime({ logger: { info() {}, warn() {}, error() {} } as never });
  rt.registerFunction('grow', async (event: { id: string; resultKiB: number }) => {
    calls.set(event.id, (calls.get(event.id) ?? 0) + 1);
    return { data: 'x'.repeat(event.resultKiB * KIB) };
  });
  byName = (
    await rt.registerStateMachine({
      name: 'by-name',
      definition: machine([
        { ErrorEquals: ['States.DataLimitExceeded'], ResultPath: '$.error', Next: 'Caught' },
        { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'CaughtByAll' },
      ]),
    })
  ).stateMachineArn;
  allOnly = (
    await rt.registerStateMachine({
      name: 'all-only',
      definition: machine(
        [
          { ErrorEquals: ['NeverThrown'], ResultPath: '$.error', Next: 'Caught' },
          { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'CaughtByAll' },
        ],
        [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 0, MaxAttempts: 2 }],
      ),
    })
  ).stateMachineArn;
  sfn = new SFNClient(rt.clientConfig('stepFunctions'));
});
afterAll(async () => {
  sfn?.destroy();
  await rt?.stop();
});

async function run(stateMachineArn: string, input: Record<string, unknown>) {
  const { executionArn } = await sfn.send(
    new StartExecutionCommand({ stateMachineArn, input: JSON.stringify({ twice: '', ...input }) }),
  );
  await rt.stepFunctions.waitForExecution(executionArn!);
  return sfn.send(new DescribeExecutionCommand({ executionArn }));
}

describe('payload limits of the local Step Functions (256 KiB, as AWS)', () => {
  it('StartExecution refuses an input over 256 KiB, and a name over 80 characters, with AWS errors', async () => {
    const input = JSON.stringify({ pad: 'é'.repeat(131_072) }); // 262,155 bytes, 131,083 characters
    await expect(sfn.send(new StartExecutionCommand({ stateMachineArn: byName, input }))).rejects.toMatchObject({
      name: 'ValidationException',
      message:
        "1 validation error detected: Value at 'input' failed to satisfy constraint: Member must have size less than or equal to 262144 bytes in UTF-8 encoding",
    });
    const name = 'n'.repeat(81);
    await expect(
      sfn.send(new StartExecutionCommand({ stateMachineArn: byName, name, input: '{}' })),
    ).rejects.toMatchObject({
      name: 'ValidationException',
      message: `1 validation error detected: Value '${name}' at 'name' failed to satisfy constraint: Member must have length less than or equal to 80`,
    });
  });

  it('a task result over 256 KiB: States.DataLimitExceeded, caught by the catcher that names it', async () => {
    const done = await run(byName, { id: 'result', resultKiB: 257 });
    expect(done.status).toBe('SUCCEEDED');
    const output = JSON.parse(done.output!);
    expect(output.caughtBy).toBe('caught by name');
    expect(output.error.Error).toBe('States.DataLimitExceeded');
    expect(output.error.Cause).toMatch(/'Grow' returned a result with a size exceeding/);
  });

  it("a state's output over 256 KiB (input + result, each under it): States.DataLimitExceeded", async () => {
    const done = await run(byName, { id: 'output', resultKiB: 100, pad: 'p'.repeat(200 * KIB) });
    const output = JSON.parse(done.output!);
    expect(output.caughtBy).toBe('caught by name');
    expect(output.error.Cause).toMatch(/'Grow' has an output with a size exceeding/);
  });

  it("a state's input over 256 KiB after Parameters: States.DataLimitExceeded before the function runs", async () => {
    const twice = 't'.repeat(130 * KIB); // the input carries it once (and fits); Parameters sends it twice
    const done = await run(byName, { id: 'input', resultKiB: 1, twice });
    expect(JSON.parse(done.output!).error.Cause).toMatch(/'Grow' has an input, after Parameters, with a size/);
    expect(calls.get('input')).toBeUndefined();
  });

  it('States.ALL neither retries nor catches it: the execution fails with States.DataLimitExceeded', async () => {
    const done = await run(allOnly, { id: 'all', resultKiB: 300 });
    expect(done.status).toBe('FAILED');
    expect(done.error).toBe('States.DataLimitExceeded');
    expect(calls.get('all')).toBe(1);
    // Any other error is still retried and caught by States.ALL.
    const ok = await run(allOnly, { id: 'small', resultKiB: 1 });
    expect(ok.status).toBe('SUCCEEDED');
  });
});
