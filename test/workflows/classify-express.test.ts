import { DescribeExecutionCommand, ListExecutionsCommand } from '@aws-sdk/client-sfn';
import type { SQSEvent } from 'aws-lambda';
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
  await t.bootstrap();
}, 60_000);

afterAll(async () => t?.stop());

const settle = async () => {
  await new Promise((r) => setTimeout(r, 2_500)); // anything late (a second outcome) would arrive by now
  await t.until(() => true);
};
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
});
