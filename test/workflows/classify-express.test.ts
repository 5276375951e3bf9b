import { createHash } from 'node:crypto';
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DescribeExecutionCommand, ListExecutionsCommand } from '@aws-sdk/client-sfn';
import type { SQSEvent } from 'aws-lambda';
import { handler as publishHandler } from '../../handlers/publish-result.ts';
import { lambdaContext } from '../support/lambda.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler as vectorizeHandler } from '../../handlers/vectorize-ticket.ts';
import type { ClassifiedMessage, FailedMessage, RejectedMessage } from '../../src/contracts/messages.ts';
import { startTestStack, type TestStack } from '../support/local-stack.ts';

/**
 * classify-ticket as an EXPRESS workflow (the same ASL file and handlers):
 * no execution-name de-duplication, executions and steps run at least once
 * (the local runtime's hooks re-run them here), and still one outcome per
 * ticket: the claim in start-classification and the first-outcome records of
 * PublishResult/RecordFailure (Powertools idempotency, local DynamoDB).
 */
const failOnce = new Set<string>();
const failAlways = new Set<string>();
const rerun = new Set<string>(); // execution names run twice
const repeatSteps = new Set<string>(); // execution names whose every step runs twice

let t: TestStack;
let modelVersion: string;

beforeAll(async () => {
  t = await startTestStack({
    classifyWorkflowType: 'EXPRESS',
    functionOverrides: {
      'vectorize-ticket': (async (event: { tokens: string[] }) => {
        const marker = event.tokens.map((tok) => /^marker(\w+)/.exec(tok)?.[1]).find(Boolean) ?? '';
        if (failAlways.has(marker)) throw new Error('the vocabulary is corrupt for this ticket');
        if (failOnce.delete(marker)) throw new Error('this run of the ticket fails');
        return vectorizeHandler(event);
      }) as never,
    },
  });
  t.stack.runtime.stepFunctions.expressAtLeastOnce = {
    rerunExecution: (name) => rerun.has(name),
    repeatTask: (_state, name) => repeatSteps.has(name),
  };
  modelVersion = await t.bootstrap();
}, 60_000);

afterAll(async () => t?.stop());

const settle = async () => {
  await new Promise((r) => setTimeout(r, 2_500)); // anything late (a second outcome) would arrive by now
  await t.until(() => true);
};
/** The Powertools key of a ticket's first-outcome record (prefix, then the MD5 of the ticket id's JSON). */
const outcomeKey = (ticketId: string) =>
  `ticket-outcome#${createHash('md5').update(JSON.stringify(ticketId)).digest('base64')}`;

/** What a run that died holding the ticket's first-outcome record leaves behind. */
async function leaveInProgress(ticketId: string, holder: string, inProgressMs: number): Promise<void> {
  await t.clients.dynamo.send(
    new PutItemCommand({
      TableName: t.stack.config.IDEMPOTENCY_TABLE,
      Item: {
        id: { S: outcomeKey(ticketId) },
        status: { S: 'INPROGRESS' },
        expiration: { N: String(Math.floor(Date.now() / 1000) + 3600) },
        in_progress_expiration: { N: String(Date.now() + inProgressMs) },
        holder: { S: holder },
      },
    }),
  );
}

const outcomesOf = (ticketId: string) => [
  ...t.outputs.filter((o) => o.ticketId === ticketId),
  ...t.rejections.filter((r) => r.ticketId === ticketId),
];

describe('classify-ticket as EXPRESS: one outcome per ticket although executions and steps run twice', () => {
  it('runs as an EXPRESS state machine', async () => {
    expect(t.stack.environment.CLASSIFY_WORKFLOW_TYPE).toBe('EXPRESS');
  });

  it('an execution run twice (and every step of it twice): one result', async () => {
    rerun.add('ticket-X-1');
    repeatSteps.add('ticket-X-1');
    await t.send({ ticketId: 'X-1', body: 'the printer on floor two is jammed again' });
    await t.until(() => t.outputs.some((o) => o.ticketId === 'X-1'));
    await settle();
    expect(outcomesOf('X-1')).toHaveLength(1);
    // The one result carries the route, as recorded for the review page.
    const result = outcomesOf('X-1')[0] as ClassifiedMessage;
    expect(result.kind).toBe('classified');
    expect(['auto', 'review']).toContain(result.route);
    expect(result.needsReview).toBe(result.route === 'review');
    const record = await t.predictions.get('X-1');
    expect(record).toMatchObject({ route: result.route, needsReview: result.needsReview });
    expect(record!.reason).toBe(result.reason);
    const runs = t.stack.runtime.stepFunctions;
    await expect.poll(() => runs.runningCount, { timeout: 10_000 }).toBe(0);
    // Both runs are listed; `triage runs show ticket-X-1` (an ARN built from the name) finds the newest.
    const machine = t.stack.stateMachines['classify-ticket']!;
    const listed = await t.clients.sfn.send(new ListExecutionsCommand({ stateMachineArn: machine }));
    expect(listed.executions!.filter((e) => e.name === 'ticket-X-1')).toHaveLength(2);
    expect(listed.executions!.every((e) => e.executionArn!.includes(':express:classify-ticket:'))).toBe(true);
    const byName = await t.clients.sfn.send(
      new DescribeExecutionCommand({ executionArn: `${machine.replace(':stateMachine:', ':execution:')}:ticket-X-1` }),
    );
    expect(byName.status).toBe('SUCCEEDED');
  });

  it('a redelivered message starts the execution again: still one result, no rejection', async () => {
    const record = {
      messageId: 'express-redelivered-1',
      receiptHandle: 'x',
      body: JSON.stringify({ ticketId: 'X-2', body: 'order two monitors please' }),
      attributes: { SentTimestamp: String(Date.now()), ApproximateReceiveCount: '1' },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:ticket-triage-input',
      awsRegion: 'us-east-1',
    };
    const event = { Records: [record] } as unknown as SQSEvent;
    await t.stack.runtime.functions.invoke('start-classification', event);
    await t.until(() => t.outputs.some((o) => o.ticketId === 'X-2'));
    await t.stack.runtime.functions.invoke('start-classification', event);
    await settle();
    expect(outcomesOf('X-2')).toHaveLength(1);
  });

  it('the same ticket sent twice: one result and one duplicate rejection (no name de-duplication needed)', async () => {
    const ticket = { ticketId: 'X-3', body: 'cannot log in my password expired' };
    await t.send(ticket);
    await t.until(() => t.outputs.some((o) => o.ticketId === 'X-3'));
    await t.send(ticket);
    await t.until(() => t.rejections.some((r) => r.ticketId === 'X-3'));
    await settle();
    expect(t.outputs.filter((o) => o.ticketId === 'X-3')).toHaveLength(1);
    const rejections = t.rejections.filter((r) => r.ticketId === 'X-3') as RejectedMessage[];
    expect(rejections).toHaveLength(1);
    expect(rejections[0]!.reason).toMatch(/^duplicate: ticket X-3 was already received/);
  });

  it('the same id for another ticket: a conflict', async () => {
    await t.send({ ticketId: 'X-4', body: 'printer is broken' });
    await t.until(() => t.outputs.some((o) => o.ticketId === 'X-4'));
    await t.send({ ticketId: 'X-4', body: 'please buy a new projector' });
    await t.until(() => t.rejections.some((r) => r.ticketId === 'X-4'));
    expect((t.rejections.find((r) => r.ticketId === 'X-4') as RejectedMessage).reason).toMatch(/^conflict: /);
  });

  it('a failing ticket run twice, steps repeated: one failure record', async () => {
    failAlways.add('xfail');
    rerun.add('ticket-X-5');
    repeatSteps.add('ticket-X-5');
    await t.send({ ticketId: 'X-5', body: 'keyboard keys stuck markerxfail' });
    await t.until(() => t.rejections.some((r) => r.ticketId === 'X-5'));
    await settle();
    expect(outcomesOf('X-5')).toHaveLength(1);
    expect((outcomesOf('X-5')[0] as FailedMessage).kind).toBe('failed');
  });

  it('one run fails and the other classifies: only the first outcome gets out', async () => {
    failOnce.add('xonce');
    rerun.add('ticket-X-6');
    await t.send({ ticketId: 'X-6', body: 'monitor flickers markerxonce' });
    await t.until(() => outcomesOf('X-6').length > 0);
    await settle();
    expect(outcomesOf('X-6')).toHaveLength(1);
  });

  it("a run that died holding the first-outcome record: the retries outlast it (it expires at that run's function timeout), one result", async () => {
    // Held for 10 s by an invocation that is gone: longer than the retries of other errors (1+2+4 s at most).
    await leaveInProgress('X-7', 'a-dead-invocation', 10_000);
    const sent = Date.now();
    await t.send({ ticketId: 'X-7', body: 'the docking station does not charge my laptop' });
    await t.until(() => t.outputs.some((o) => o.ticketId === 'X-7'), 60_000);
    expect(Date.now() - sent).toBeGreaterThan(9_000);
    await settle();
    expect(outcomesOf('X-7')).toHaveLength(1);
    // The record the run wrote is held at most for its function's timeout (25 s, as deployed), not 15 minutes.
    const item = await t.clients.dynamo.send(
      new GetItemCommand({ TableName: t.stack.config.IDEMPOTENCY_TABLE, Key: { id: { S: outcomeKey('X-7') } } }),
    );
    expect(item.Item?.status?.S).toBe('COMPLETED');
    expect(Number(item.Item?.in_progress_expiration?.N) - Date.now()).toBeLessThan(25_000);
  }, 90_000);

  it('the same invocation run again (a crash cut it short) takes its own in-progress record over; another waits', async () => {
    const input = {
      ticket: { ticketId: 'X-8', text: 'my mouse is broken', truncated: false, receivedAt: new Date().toISOString() },
      modelVersion,
      executionName: 'ticket-X-8',
      prediction: {
        category: 'Hardware',
        probability: 0.9,
        top: [],
        explanation: [],
        route: 'auto',
        needsReview: false,
      },
    };
    await leaveInProgress('X-8', 'request-1', 60_000);
    await expect(
      publishHandler(input, { ...lambdaContext('publish-result'), awsRequestId: 'request-2' }),
    ).rejects.toMatchObject({
      name: 'IdempotencyAlreadyInProgressError',
    });
    const published = (await publishHandler(input, {
      ...lambdaContext('publish-result'),
      awsRequestId: 'request-1',
    })) as ClassifiedMessage;
    expect(published).toMatchObject({ kind: 'classified', ticketId: 'X-8', category: 'Hardware' });
    // Done: any later run gets that outcome back and sends nothing.
    expect(await publishHandler(input, { ...lambdaContext('publish-result'), awsRequestId: 'request-3' })).toEqual(
      published,
    );
    await t.until(() => t.outputs.some((o) => o.ticketId === 'X-8'));
    await settle();
    expect(outcomesOf('X-8')).toHaveLength(1);
  });
});
