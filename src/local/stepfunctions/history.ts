/**
 * Builds an execution's history in the shapes of the Step Functions API
 * (`GetExecutionHistory`) from the interpreter's event log, plus what the
 * Task overrides record about each Lambda invocation (the raw payload and
 * result, which the interpreter's events do not carry).
 *
 * Ordering: the interpreter calls a Task's override synchronously right after
 * dispatching `StateEntered` / `StateRetried`, and its event log is consumed
 * asynchronously, so by the time those events are translated the invocation
 * they started is already queued here; invocations are matched per state name
 * in call order (concurrent Map iterations are told apart by their index).
 */
import type { ExecutionStatus, HistoryEvent, HistoryEventType } from '@aws-sdk/client-sfn';
import type { StateMachine } from 'aws-local-stepfunctions';
import type { TaskResource } from './task-resources.ts';

/** An interpreter event (the library does not export the type). */
export type InterpreterEvent =
  ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

/** A history event as stored: the API shape with the timestamp in epoch milliseconds. */
export type StoredHistoryEvent = Omit<HistoryEvent, 'timestamp' | 'type' | 'id'> & {
  timestamp: number;
  type: HistoryEventType;
  id: number;
};

/** One call of a Task's function, recorded by the Task override. */
export interface TaskInvocation {
  readonly stateName: string;
  readonly resource: TaskResource;
  /** JSON of what the Task received (the function payload, or the `lambda:invoke` parameters). */
  readonly input: string;
  readonly scheduledAt: number;
  readonly timeoutSeconds?: number;
  /** JSON of the task result, once it succeeded. */
  output?: string;
  completedAt?: number;
}

/** How an execution ended. */
export interface ExecutionOutcome {
  readonly status: Exclude<ExecutionStatus, 'RUNNING' | 'PENDING_REDRIVE'>;
  readonly stopDate: number;
  readonly output?: string;
  readonly error?: string;
  readonly cause?: string;
}

const json = (value: unknown): string => JSON.stringify(value ?? null);
const asText = (value: unknown): string | undefined =>
  value === undefined || value === null ? undefined : typeof value === 'string' ? value : JSON.stringify(value);
const NOT_TRUNCATED = { truncated: false } as const;
/** Tasks run concurrently only as Map iterations, which the interpreter's events tell apart by index. */
const invocationKey = (stateName: string, index: number | undefined): string => `${stateName}\u0000${index ?? -1}`;

export class ExecutionHistoryRecorder {
  readonly events: StoredHistoryEvent[] = [];
  truncated = false;
  outcome: ExecutionOutcome | undefined;
  /** Set by StopExecution before aborting, for the ExecutionAborted event. */
  stopRequest: { error?: string; cause?: string } | undefined;

  private readonly pending = new Map<string, TaskInvocation[]>();
  private readonly current = new Map<string, TaskInvocation>();

  constructor(
    private readonly maxEvents: number,
    private readonly roleArn: string,
    private readonly region: string,
  ) {}

  /** Called by a Task override when it starts the function. */
  beginTaskInvocation(invocation: TaskInvocation): TaskInvocation {
    const queue = this.pending.get(invocation.stateName);
    if (queue) queue.push(invocation);
    else this.pending.set(invocation.stateName, [invocation]);
    return invocation;
  }

  /** Drains the interpreter's event log into this history. */
  async consume(eventLogs: AsyncGenerator<InterpreterEvent>): Promise<void> {
    for await (const event of eventLogs) this.translate(event);
    this.pending.clear();
    this.current.clear();
  }

  private add(
    type: HistoryEventType,
    timestamp: number,
    details: Omit<StoredHistoryEvent, 'timestamp' | 'type' | 'id' | 'previousEventId'> = {},
    terminal = false,
  ): void {
    if (!terminal && this.events.length >= this.maxEvents - 1) {
      this.truncated = true;
      return;
    }
    const id = this.events.length + 1;
    this.events.push({ timestamp, type, id, previousEventId: id - 1, ...details });
  }

  private startInvocation(stateName: string, index: number | undefined, timestamp: number): void {
    const invocation = this.pending.get(stateName)?.shift();
    if (!invocation) return;
    this.current.set(invocationKey(stateName, index), invocation);
    const t = Math.max(timestamp, invocation.scheduledAt);
    if (invocation.resource.kind === 'lambda-function') {
      this.add('LambdaFunctionScheduled', t, {
        lambdaFunctionScheduledEventDetails: {
          resource: invocation.resource.resource,
          input: invocation.input,
          inputDetails: NOT_TRUNCATED,
          ...(invocation.timeoutSeconds !== undefined ? { timeoutInSeconds: invocation.timeoutSeconds } : {}),
        },
      });
      this.add('LambdaFunctionStarted', t);
    } else {
      const task = { resourceType: 'lambda', resource: 'invoke' };
      this.add('TaskScheduled', t, {
        taskScheduledEventDetails: {
          ...task,
          region: this.region,
          parameters: invocation.input,
          ...(invocation.timeoutSeconds !== undefined ? { timeoutInSeconds: invocation.timeoutSeconds } : {}),
        },
      });
      this.add('TaskStarted', t, { taskStartedEventDetails: task });
    }
  }

  private finishInvocation(
    stateName: string,
    index: number | undefined,
    timestamp: number,
    failure?: { error: string; cause?: string },
  ): void {
    const key = invocationKey(stateName, index);
    const invocation = this.current.get(key);
    if (!invocation) return;
    this.current.delete(key);
    const t = invocation.completedAt ?? timestamp;
    const lambda = invocation.resource.kind === 'lambda-function';
    const task = { resourceType: 'lambda', resource: 'invoke' };
    if (!failure) {
      const output = invocation.output ?? 'null';
      if (lambda) {
        this.add('LambdaFunctionSucceeded', t, { lambdaFunctionSucceededEventDetails: { output, outputDetails: NOT_TRUNCATED } });
      } else {
        this.add('TaskSucceeded', t, { taskSucceededEventDetails: { ...task, output, outputDetails: NOT_TRUNCATED } });
      }
      return;
    }
    const detail = { error: failure.error, ...(failure.cause !== undefined ? { cause: failure.cause } : {}) };
    const timedOut = failure.error === 'States.Timeout';
    if (lambda) {
      if (timedOut) this.add('LambdaFunctionTimedOut', timestamp, { lambdaFunctionTimedOutEventDetails: detail });
      else this.add('LambdaFunctionFailed', timestamp, { lambdaFunctionFailedEventDetails: detail });
    } else if (timedOut) {
      this.add('TaskTimedOut', timestamp, { taskTimedOutEventDetails: { ...task, ...detail } });
    } else {
      this.add('TaskFailed', timestamp, { taskFailedEventDetails: { ...task, ...detail } });
    }
  }

  private translate(event: InterpreterEvent): void {
    const t = event.timestamp;
    switch (event.type) {
      case 'ExecutionStarted':
        this.add('ExecutionStarted', t, {
          executionStartedEventDetails: { input: json(event.input), inputDetails: NOT_TRUNCATED, roleArn: this.roleArn },
        });
        return;
      case 'StateEntered': {
        const { name, type, input } = event.state;
        this.add(`${type}StateEntered` as HistoryEventType, t, {
          stateEnteredEventDetails: { name, input: json(input), inputDetails: NOT_TRUNCATED },
        });
        if (type === 'Task') this.startInvocation(name, event.index, t);
        if (type === 'Map') this.add('MapStateStarted', t);
        if (type === 'Parallel') this.add('ParallelStateStarted', t);
        return;
      }
      case 'StateRetried':
        if (event.state.type === 'Task') this.startInvocation(event.state.name, event.index, t);
        return;
      case 'StateFailed': {
        const { name, type } = event.state;
        const cause = asText(event.Cause);
        if (type === 'Task') this.finishInvocation(name, event.index, t, { error: event.Error, ...(cause !== undefined ? { cause } : {}) });
        if (type === 'Map') this.add('MapStateFailed', t);
        if (type === 'Parallel') this.add('ParallelStateFailed', t);
        return;
      }
      case 'StateExited': {
        const { name, type, output } = event.state;
        if (type === 'Task') this.finishInvocation(name, event.index, t);
        if (type === 'Map') this.add('MapStateSucceeded', t);
        if (type === 'Parallel') this.add('ParallelStateSucceeded', t);
        this.add(`${type}StateExited` as HistoryEventType, t, {
          stateExitedEventDetails: { name, output: json(output), outputDetails: NOT_TRUNCATED },
        });
        return;
      }
      case 'MapIterationStarted':
      case 'MapIterationSucceeded':
      case 'MapIterationFailed':
        this.add(event.type, t, {
          [`${event.type[0]?.toLowerCase()}${event.type.slice(1)}EventDetails`]: { name: event.parentState.name, index: event.index },
        });
        return;
      case 'ExecutionSucceeded': {
        const output = json(event.output);
        this.add('ExecutionSucceeded', t, { executionSucceededEventDetails: { output, outputDetails: NOT_TRUNCATED } }, true);
        this.outcome = { status: 'SUCCEEDED', stopDate: t, output };
        return;
      }
      case 'ExecutionFailed': {
        const cause = asText(event.Cause);
        const detail = { error: event.Error, ...(cause !== undefined ? { cause } : {}) };
        this.add('ExecutionFailed', t, { executionFailedEventDetails: detail }, true);
        this.outcome = { status: 'FAILED', stopDate: t, ...detail };
        return;
      }
      case 'ExecutionAborted': {
        const detail = { ...this.stopRequest };
        this.add('ExecutionAborted', t, { executionAbortedEventDetails: detail }, true);
        this.outcome = { status: 'ABORTED', stopDate: t, ...detail };
        return;
      }
      case 'ExecutionTimeout': {
        const detail = { error: 'States.Timeout', cause: 'The execution timed out (TimeoutSeconds of the state machine)' };
        this.add('ExecutionTimedOut', t, { executionTimedOutEventDetails: detail }, true);
        this.outcome = { status: 'TIMED_OUT', stopDate: t, ...detail };
        return;
      }
      default:
        return; // StateCaught, ParallelBranch*: no event of their own on AWS
    }
  }
}
