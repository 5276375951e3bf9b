import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalRuntime, type LocalRuntime } from '../../src/local/runtime.ts';
import { tempDataDir } from './helpers.ts';

/**
 * Express executions get an ARN of their own per start (AWS adds an id), so two starts with one
 * name are two executions whose Task invocations have distinct identities: the local SQS, which
 * leaves out a send that the same invocation already made (a re-run after a crash), must not take
 * the second execution's real send for such a repeat. (With one ARN per name, it would hide real
 * duplicates, and an Express crash test would look falsely clean.)
 */
const data = tempDataDir('express-invocations');
let rt: LocalRuntime;
let sfn: SFNClient;
let sqs: SQSClient;
let outUrl: string;

const definition = JSON.stringify({
  StartAt: 'Publish',
  States: {
    Publish: {
      Type: 'Task',
      Resource: 'arn:aws:lambda:us-east-1:000000000000:function:publish',
      TimeoutSeconds: 10,
      End: true,
    },
  },
});

beforeAll(async () => {
  rt = await startLocalRuntime({ dataDir: data.dir, logger: { info() {}, warn() {}, error() {} } as never });
  rt.emulators.createQueue('out');
  outUrl = rt.emulators.queueUrl('out');
  sqs = new SQSClient(rt.clientConfig('sqs'));
  sfn = new SFNClient(rt.clientConfig('stepFunctions'));
  rt.registerFunction('publish', async (event: { ticket: string }) => {
    await sqs.send(new SendMessageCommand({ QueueUrl: outUrl, MessageBody: event.ticket }));
    return { published: event.ticket };
  });
}, 60_000);
afterAll(async () => {
  sqs?.destroy();
  sfn?.destroy();
  await rt?.stop();
  data.cleanup();
});

async function runTwice(type: 'STANDARD' | 'EXPRESS'): Promise<{ arns: string[]; bodies: string[] }> {
  const { stateMachineArn } = await rt.registerStateMachine({ name: `publish-${type}`, definition, type });
  const arns: string[] = [];
  for (const input of ['{"ticket":"first"}', '{"ticket":"second"}']) {
    const started = await sfn
      .send(new StartExecutionCommand({ stateMachineArn, name: 'same-name', input }))
      .catch((error: Error) => error);
    if (started instanceof Error) {
      expect(started.name).toBe('ExecutionAlreadyExists');
      continue;
    }
    arns.push(started.executionArn!);
    await rt.stepFunctions.waitForExecution(started.executionArn!);
  }
  const bodies: string[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: outUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    if (Messages.length === 0) break;
    bodies.push(...Messages.map((m) => m.Body!));
  }
  return { arns, bodies };
}

describe('Express executions and invocation identity', () => {
  it('two EXPRESS starts with one name: two ARNs, two executions, both sends arrive', async () => {
    const { arns, bodies } = await runTwice('EXPRESS');
    expect(arns).toHaveLength(2);
    expect(new Set(arns).size).toBe(2);
    for (const arn of arns) expect(arn).toMatch(/:express:publish-EXPRESS:same-name:[0-9a-f-]{36}$/);
    expect(bodies.sort()).toEqual(['first', 'second']);
  });

  it('STANDARD de-duplicates the name instead: one execution, one send', async () => {
    const { arns, bodies } = await runTwice('STANDARD');
    expect(arns).toHaveLength(1);
    expect(bodies).toEqual(['first']);
  });
});
