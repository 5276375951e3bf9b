import { describe, expect, it } from 'vitest';
import { FunctionRegistry } from '../../src/local/lambda/function-registry.ts';
import { StepFunctionsService } from '../../src/local/stepfunctions/service.ts';

const fn = (name: string): string => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;

describe('nested states (Map, Parallel) route their Tasks to in-process functions', () => {
  it('runs Lambda tasks inside a Map iterator and Parallel branches', async () => {
    const functions = new FunctionRegistry('us-east-1', '000000000000');
    functions.register('double', async (n: number) => n * 2);
    functions.register('label', async (e: { items: number[] }) => `n=${e.items.length}`);
    functions.register('sum', async (e: { items: number[] }) => e.items.reduce((a, b) => a + b, 0));
    const service = await StepFunctionsService.create({ region: 'us-east-1', accountId: '000000000000', functions });
    const { stateMachineArn } = await service.registerStateMachine({
      name: 'nested',
      definition: JSON.stringify({
        StartAt: 'Each',
        States: {
          Each: {
            Type: 'Map',
            ItemsPath: '$.items',
            ResultPath: '$.items',
            ItemProcessor: {
              StartAt: 'Double',
              States: { Double: { Type: 'Task', Resource: fn('double'), TimeoutSeconds: 5, End: true } },
            },
            Next: 'Both',
          },
          Both: {
            Type: 'Parallel',
            Branches: [
              { StartAt: 'Sum', States: { Sum: { Type: 'Task', Resource: fn('sum'), TimeoutSeconds: 5, End: true } } },
              {
                StartAt: 'Label',
                States: { Label: { Type: 'Task', Resource: fn('label'), TimeoutSeconds: 5, End: true } },
              },
            ],
            End: true,
          },
        },
      }),
    });
    const { executionArn } = service.startExecution({ stateMachineArn, input: JSON.stringify({ items: [1, 2, 3] }) });
    const done = await service.waitForExecution(executionArn as string);
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output as string)).toEqual([12, 'n=3']);
    const types = service.getExecutionHistory({ executionArn, maxResults: 1000 }).events?.map((e) => e.type) ?? [];
    expect(types.filter((t) => t === 'LambdaFunctionSucceeded')).toHaveLength(5);
    expect(types).toContain('MapStateEntered');
    expect(types).toContain('MapIterationSucceeded');
    expect(types).toContain('ParallelStateExited');
    expect(types.at(-1)).toBe('ExecutionSucceeded');
    // Each iteration's Lambda events carry that iteration's payload.
    const events = service.getExecutionHistory({ executionArn, maxResults: 1000 }).events ?? [];
    events.forEach((e, i) => {
      if (e.type !== 'LambdaFunctionScheduled') return;
      expect(e.lambdaFunctionScheduledEventDetails?.input).toBe(events[i - 1]?.stateEnteredEventDetails?.input);
    });
    const doubled = events
      .filter((e) => e.type === 'LambdaFunctionSucceeded')
      .map((e) => JSON.parse(e.lambdaFunctionSucceededEventDetails?.output ?? 'null'));
    expect(doubled.slice(0, 3).sort()).toEqual([2, 4, 6]);
  });
});
