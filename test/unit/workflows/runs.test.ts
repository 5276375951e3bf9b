import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { elideTicketText } from '../../../src/api/elide.ts';
import { runStepsOf } from '../../../src/workflows/runs.ts';

/** A run state by state from Step Functions history events (the shapes AWS sends). */
let clock = Date.parse('2026-11-28T10:00:00Z');
const ev = (type: string, details: Record<string, unknown> = {}): HistoryEvent => {
  clock += 100;
  return { type, timestamp: new Date(clock), id: 0, ...details } as HistoryEvent;
};
const entered = (name: string, type = 'Task', input: unknown = {}) =>
  ev(`${type}StateEntered`, { stateEnteredEventDetails: { name, input: JSON.stringify(input) } });
const exited = (name: string, type = 'Task', output: unknown = {}) =>
  ev(`${type}StateExited`, { stateExitedEventDetails: { name, output: JSON.stringify(output) } });
const failed = (error: string, cause?: string) =>
  ev('LambdaFunctionFailed', { lambdaFunctionFailedEventDetails: { error, ...(cause && { cause }) } });

describe('runStepsOf', () => {
  it('retried then succeeded; caught; a Fail state; the execution error', () => {
    const steps = runStepsOf(
      [
        ev('ExecutionStarted'),
        entered('Predict', 'Task', { a: 1 }),
        ev('LambdaFunctionScheduled'),
        failed('TransientError', 'slow'),
        ev('LambdaFunctionScheduled'),
        ev('LambdaFunctionSucceeded'),
        exited('Predict', 'Task', { b: 2 }),
        entered('Publish'),
        ev('LambdaFunctionScheduled'),
        failed('Error', '{"errorType":"Error","errorMessage":"queue gone","trace":["at x"]}'),
        entered('RecordFailure'),
        ev('LambdaFunctionScheduled'),
        ev('LambdaFunctionSucceeded'),
        exited('RecordFailure'),
        entered('Failed', 'Fail'),
        ev('ExecutionFailed', { executionFailedEventDetails: { error: 'Error', cause: 'queue gone' } }),
      ],
      'FAILED',
    );
    expect(steps.map((s) => [s.name, s.outcome, s.retries, s.failures.length])).toEqual([
      ['Predict', 'succeeded', 1, 1],
      ['Publish', 'caught', 0, 1],
      ['RecordFailure', 'succeeded', 0, 0],
      ['Failed', 'failed', 0, 0],
    ]);
    expect(steps[0]).toMatchObject({
      input: { a: 1 },
      output: { b: 2 },
      failures: [{ error: 'TransientError', cause: 'slow' }],
    });
    expect(steps[1]).toMatchObject({ error: 'Error', exitedAt: steps[2]!.enteredAt });
    expect(steps[3]).toMatchObject({ error: 'Error', cause: 'queue gone' });
  });

  it('a running execution: the open step is running; an uncaught failure ends the run failed', () => {
    expect(
      runStepsOf([entered('A'), ev('LambdaFunctionScheduled')], 'RUNNING').map((s) => [s.outcome, s.exitedAt]),
    ).toEqual([['running', undefined]]);
    const uncaught = runStepsOf(
      [
        entered('A'),
        ev('LambdaFunctionScheduled'),
        failed('Boom'),
        ev('ExecutionFailed', { executionFailedEventDetails: { error: 'Boom' } }),
      ],
      'FAILED',
    );
    expect(uncaught[0]).toMatchObject({ outcome: 'failed', error: 'Boom' });
  });
});

describe('elideTicketText', () => {
  it('hides text fields and token lists at any depth, keeps everything else', () => {
    expect(
      elideTicketText({
        ticket: { ticketId: 'T-1', text: 'secret words', subject: 'vpn' },
        preprocessed: { tokens: ['secret', 'words'], truncated: false },
        explanation: [{ term: 'secret', weight: 1 }],
        n: 3,
      }),
    ).toEqual({
      ticket: {
        ticketId: 'T-1',
        text: '‹ticket text hidden: 12 characters›',
        subject: '‹ticket text hidden: 3 characters›',
      },
      preprocessed: { tokens: '‹ticket text hidden: 2 items›', truncated: false },
      explanation: [{ term: '‹ticket text hidden: 6 characters›', weight: 1 }],
      n: 3,
    });
  });
});
