import {
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SFNClient,
  StartExecutionCommand,
  StateMachineDoesNotExist,
  StopExecutionCommand,
  type HistoryEvent,
} from '@aws-sdk/client-sfn';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { placeholdersOf } from '../../src/local/stepfunctions/definition.ts';
import { startLocalRuntime, type LocalRuntime } from '../../src/local/runtime.ts';
import { eventually, fixture, sleep, tempDataDir } from './helpers.ts';

const credentials = { accessKeyId: 'x', secretAccessKey: 'x' };
const data = tempDataDir('sfn');

class TransientError extends Error {
  override name = 'TransientError';
}

/** Per-test behaviour of the functions, keyed by the input's `mode`. */
const prepareCalls = new Map<string, number>();
let slowReleases: (() => void)[] = [];

function registerFunctions(rt: LocalRuntime): void {
  rt.registerFunction('prepare', async (event: { id: string; mode?: string }) => {
    const calls = (prepareCalls.get(event.id) ?? 0) + 1;
    prepareCalls.set(event.id, calls);
    if (event.mode === 'flaky' && calls === 1) throw new TransientError('temporarily unavailable');
    if (event.mode === 'broken') throw new TypeError('cannot prepare this ticket');
    return { tokens: 3 };
  });
  rt.registerFunction('score', async (event: { id: string }, context) => {
    expect(context.functionName).toBe('score');
    return { score: event.id.length / 10 };
  });
  rt.registerFunction('publish', async (event: { id: string; scored: { score: number } }) => ({
    id: event.id,
    score: event.scored.score,
  }));
  rt.registerFunction('slow', async (event: { waitMs?: number; hold?: boolean }) => {
    if (event.hold) await new Promise<void>((resolve) => slowReleases.push(resolve));
    else await sleep(event.waitMs ?? 0);
    return { done: true };
  });
}

async function registerMachines(rt: LocalRuntime): Promise<{ three: string; slow: string }> {
  const three = await rt.registerStateMachine({
    name: 'three-steps',
    definitionFile: fixture('three-steps.asl.json'),
    substitutions: {
      PrepareFunctionArn: rt.functions.functionArn('prepare'),
      ScoreFunctionName: 'score',
      PublishFunctionArn: rt.functions.functionArn('publish'),
    },
  });
  expect(three.warnings).toEqual([]);
  const slow = await rt.registerStateMachine({
    name: 'slow-task',
    definitionFile: fixture('slow-task.asl.json'),
    substitutions: { SlowFunctionName: 'slow' },
  });
  return { three: three.stateMachineArn, slow: slow.stateMachineArn };
}

let rt: LocalRuntime;
let sfn: SFNClient;
let arns: { three: string; slow: string };

async function startRuntime(): Promise<void> {
  rt = await startLocalRuntime({ dataDir: data.dir, stepFunctions: { drainTimeoutMs: 200 } });
  registerFunctions(rt);
  arns = await registerMachines(rt);
  sfn = new SFNClient({ endpoint: rt.endpoints.stepFunctions, region: 'us-east-1', credentials });
}

async function stopRuntime(): Promise<void> {
  sfn.destroy();
  await rt.stop();
}

async function waitClosed(executionArn: string) {
  return eventually(async () => {
    const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    return d.status === 'RUNNING' ? undefined : d;
  });
}

async function history(executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 5, nextToken }));
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}

beforeAll(startRuntime);
afterAll(async () => {
  await stopRuntime();
  data.cleanup();
});

describe('Step Functions endpoint (through @aws-sdk/client-sfn)', () => {
  it('lists and describes registered state machines with their substituted definition', async () => {
    const list = await sfn.send(new ListStateMachinesCommand({}));
    expect(list.stateMachines?.map((m) => m.name)).toEqual(['slow-task', 'three-steps']);
    const described = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: arns.three }));
    expect(described.status).toBe('ACTIVE');
    expect(described.type).toBe('STANDARD');
    expect(described.definition).toContain(rt.functions.functionArn('prepare'));
    expect(placeholdersOf(described.definition ?? '')).toEqual([]);
    expect(placeholdersOf(readFileSync(fixture('three-steps.asl.json'), 'utf8'))).toEqual([
      'PrepareFunctionArn',
      'PublishFunctionArn',
      'ScoreFunctionName',
    ]);
    await expect(
      sfn.send(new DescribeStateMachineCommand({ stateMachineArn: `${arns.three}-nope` })),
    ).rejects.toBeInstanceOf(StateMachineDoesNotExist);
  });

  it('runs an execution: StartExecution, DescribeExecution, GetExecutionHistory in AWS shapes', async () => {
    const started = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: arns.three,
        name: 'ticket-ok',
        input: JSON.stringify({ id: 'ok' }),
      }),
    );
    expect(started.executionArn).toBe('arn:aws:states:us-east-1:000000000000:execution:three-steps:ticket-ok');
    expect(started.startDate).toBeInstanceOf(Date);
    const done = await waitClosed(started.executionArn as string);
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output ?? '')).toEqual({ id: 'ok', score: 0.2 });
    expect(done.stopDate!.getTime()).toBeGreaterThanOrEqual(done.startDate!.getTime());

    const events = await history(started.executionArn as string);
    expect(events.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionSucceeded',
      'TaskStateExited',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSucceeded',
      'TaskStateExited',
      'ChoiceStateEntered',
      'ChoiceStateExited',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionSucceeded',
      'TaskStateExited',
      'ExecutionSucceeded',
    ]);
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
    expect(events[0]?.timestamp).toBeInstanceOf(Date);
    expect(JSON.parse(events[0]?.executionStartedEventDetails?.input ?? '')).toEqual({ id: 'ok' });
    expect(events[1]?.stateEnteredEventDetails?.name).toBe('Prepare');
    expect(events[2]?.lambdaFunctionScheduledEventDetails).toMatchObject({
      resource: rt.functions.functionArn('prepare'),
      timeoutInSeconds: 5,
    });
    expect(JSON.parse(events[4]?.lambdaFunctionSucceededEventDetails?.output ?? '')).toEqual({ tokens: 3 });
    expect(JSON.parse(events[5]?.stateExitedEventDetails?.output ?? '')).toEqual({ id: 'ok', prepared: { tokens: 3 } });
    const invokeResult = JSON.parse(events[9]?.taskSucceededEventDetails?.output ?? '');
    expect(invokeResult).toMatchObject({ StatusCode: 200, Payload: { score: 0.2 } });

    const reversed = await sfn.send(
      new GetExecutionHistoryCommand({ executionArn: started.executionArn, reverseOrder: true, maxResults: 1 }),
    );
    expect(reversed.events?.[0]?.type).toBe('ExecutionSucceeded');
    const noData = await sfn.send(
      new GetExecutionHistoryCommand({ executionArn: started.executionArn, includeExecutionData: false }),
    );
    expect(noData.events?.[0]?.executionStartedEventDetails?.input).toBeUndefined();
  });

  it('retries a custom transient error, then succeeds', async () => {
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: arns.three,
        name: 'ticket-flaky',
        input: JSON.stringify({ id: 'flaky', mode: 'flaky' }),
      }),
    );
    const done = await waitClosed(executionArn as string);
    expect(done.status).toBe('SUCCEEDED');
    expect(prepareCalls.get('flaky')).toBe(2);
    const types = (await history(executionArn as string)).map((e) => e.type);
    expect(types.slice(0, 9)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionFailed',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionSucceeded',
      'TaskStateExited',
    ]);
    const failed = (await history(executionArn as string))[4]?.lambdaFunctionFailedEventDetails;
    expect(failed?.error).toBe('TransientError');
    expect(JSON.parse(failed?.cause ?? '')).toMatchObject({
      errorType: 'TransientError',
      errorMessage: 'temporarily unavailable',
    });
  });

  it('catches a non-retryable error into the failure path and fails the execution', async () => {
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: arns.three,
        name: 'ticket-broken',
        input: JSON.stringify({ id: 'broken', mode: 'broken' }),
      }),
    );
    const done = await waitClosed(executionArn as string);
    expect(done.status).toBe('FAILED');
    expect(done.error).toBe('WorkflowFailed');
    expect(done.cause).toBe('A step failed; see the history');
    const events = await history(executionArn as string);
    const lambdaFailed = events.find((e) => e.type === 'LambdaFunctionFailed');
    expect(lambdaFailed?.lambdaFunctionFailedEventDetails?.error).toBe('TypeError');
    expect(events.filter((e) => e.type === 'LambdaFunctionScheduled')).toHaveLength(1); // TypeError is not retried
    const recordFailure = events.find((e) => e.type === 'PassStateExited');
    expect(JSON.parse(recordFailure?.stateExitedEventDetails?.output ?? '')).toEqual({
      failed: true,
      error: 'TypeError',
    });
    expect(events.at(-2)?.type).toBe('FailStateEntered');
    expect(events.at(-1)?.executionFailedEventDetails).toEqual({
      error: 'WorkflowFailed',
      cause: 'A step failed; see the history',
    });
  });

  it('times a Task out after its TimeoutSeconds (States.Timeout)', async () => {
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: arns.slow, input: JSON.stringify({ waitMs: 1500 }) }),
    );
    const done = await waitClosed(executionArn as string);
    expect(done.status).toBe('FAILED');
    expect(done.error).toBe('States.Timeout');
    const types = (await history(executionArn as string)).map((e) => e.type);
    expect(types).toContain('LambdaFunctionTimedOut');
  });

  it('de-duplicates execution names as AWS does for Standard workflows', async () => {
    const input = JSON.stringify({ hold: true });
    const first = await sfn.send(new StartExecutionCommand({ stateMachineArn: arns.slow, name: 'dedupe-me', input }));
    // Same name, same input, still running: the same execution.
    const again = await sfn.send(new StartExecutionCommand({ stateMachineArn: arns.slow, name: 'dedupe-me', input }));
    expect(again.executionArn).toBe(first.executionArn);
    expect(again.startDate?.getTime()).toBe(first.startDate?.getTime());
    // Same name, different input: ExecutionAlreadyExists.
    await expect(
      sfn.send(new StartExecutionCommand({ stateMachineArn: arns.slow, name: 'dedupe-me', input: '{"other":1}' })),
    ).rejects.toBeInstanceOf(ExecutionAlreadyExists);
    for (const release of slowReleases) release();
    slowReleases = [];
    await waitClosed(first.executionArn as string);
    // Closed: ExecutionAlreadyExists whatever the input (AWS: names are unique for 90 days).
    await expect(
      sfn.send(new StartExecutionCommand({ stateMachineArn: arns.slow, name: 'dedupe-me', input })),
    ).rejects.toBeInstanceOf(ExecutionAlreadyExists);
  });

  it('lists executions newest first with statusFilter, maxResults and nextToken', async () => {
    const all = await sfn.send(new ListExecutionsCommand({ stateMachineArn: arns.three }));
    expect(all.executions?.map((e) => e.name)).toEqual(['ticket-broken', 'ticket-flaky', 'ticket-ok']);
    const failed = await sfn.send(new ListExecutionsCommand({ stateMachineArn: arns.three, statusFilter: 'FAILED' }));
    expect(failed.executions?.map((e) => e.name)).toEqual(['ticket-broken']);
    const page1 = await sfn.send(new ListExecutionsCommand({ stateMachineArn: arns.three, maxResults: 2 }));
    expect(page1.executions?.map((e) => e.name)).toEqual(['ticket-broken', 'ticket-flaky']);
    expect(page1.nextToken).toBeDefined();
    const page2 = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: arns.three, maxResults: 2, nextToken: page1.nextToken }),
    );
    expect(page2.executions?.map((e) => e.name)).toEqual(['ticket-ok']);
    expect(page2.nextToken).toBeUndefined();
  });

  it('stops a running execution (StopExecution -> ABORTED with the given error)', async () => {
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: arns.slow,
        name: 'to-stop',
        input: JSON.stringify({ waitMs: 800 }),
      }),
    );
    await sfn.send(new StopExecutionCommand({ executionArn, error: 'Operator', cause: 'stopped by test' }));
    const done = await waitClosed(executionArn as string);
    expect(done.status).toBe('ABORTED');
    const events = await history(executionArn as string);
    expect(events.at(-1)?.type).toBe('ExecutionAborted');
    expect(events.at(-1)?.executionAbortedEventDetails).toEqual({ error: 'Operator', cause: 'stopped by test' });
  });

  it('reports unknown executions and invalid input like AWS', async () => {
    await expect(
      sfn.send(
        new DescribeExecutionCommand({ executionArn: `${arns.three.replace('stateMachine', 'execution')}:nope` }),
      ),
    ).rejects.toBeInstanceOf(ExecutionDoesNotExist);
    await expect(
      sfn.send(new StartExecutionCommand({ stateMachineArn: arns.three, input: 'not json' })),
    ).rejects.toMatchObject({ name: 'InvalidExecutionInput' });
    await expect(
      sfn.send(new StartExecutionCommand({ stateMachineArn: arns.three, name: 'bad name', input: '{}' })),
    ).rejects.toMatchObject({ name: 'InvalidName' });
  });

  it('refuses Task resources it cannot run locally', async () => {
    const definition = JSON.stringify({
      StartAt: 'Send',
      States: {
        Send: {
          Type: 'Task',
          Resource: 'arn:aws:states:::sqs:sendMessage',
          Parameters: { QueueUrl: 'q', MessageBody: 'x' },
          End: true,
        },
      },
    });
    await expect(rt.registerStateMachine({ name: 'sqs-task', definition })).rejects.toThrow(/runs only Lambda tasks/);
  });

  it('keeps executions and histories across a restart, and restarts interrupted executions', async () => {
    const held = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: arns.slow,
        name: 'interrupted',
        input: JSON.stringify({ waitMs: 5000 }),
      }),
    );
    await stopRuntime(); // drains for 200 ms, then leaves `interrupted` unfinished on disk
    await startRuntime();

    const list = await sfn.send(new ListExecutionsCommand({ stateMachineArn: arns.three }));
    expect(list.executions?.map((e) => e.name)).toEqual(['ticket-broken', 'ticket-flaky', 'ticket-ok']);
    const ok = await sfn.send(
      new DescribeExecutionCommand({
        executionArn: 'arn:aws:states:us-east-1:000000000000:execution:three-steps:ticket-ok',
      }),
    );
    expect(ok.status).toBe('SUCCEEDED');
    expect(JSON.parse(ok.input ?? '')).toEqual({ id: 'ok' });
    const events = await history(ok.executionArn as string);
    expect(events).toHaveLength(19);
    expect(events[0]?.timestamp).toBeInstanceOf(Date);
    await expect(
      sfn.send(
        new StartExecutionCommand({
          stateMachineArn: arns.three,
          name: 'ticket-ok',
          input: JSON.stringify({ id: 'ok' }),
        }),
      ),
    ).rejects.toBeInstanceOf(ExecutionAlreadyExists);

    // The interrupted execution ran again from the start, under the same ARN (the Task now times out at 1 s).
    const rerun = await waitClosed(held.executionArn as string);
    expect(rerun.status).toBe('FAILED');
    expect(rerun.error).toBe('States.Timeout');
  });
});
