/**
 * An execution's history in the shapes of the Step Functions API
 * (`GetExecutionHistory`), from the interpreter's event log plus what the
 * Task overrides record about each Lambda invocation (the raw payload and
 * result, which the interpreter's events do not carry).
 *
 * Recording is cheap and formatting is lazy: while an execution runs, the
 * recorder only keeps the interpreter's event objects (by reference: the
 * interpreter clones a state's input before changing it, so they never
 * change afterwards) and the invocations' JSON (which the Lambda call makes
 * anyway). The API events — with every state input and output as JSON text —
 * are built only when someone reads the history (`events()`), e.g.
 * GetExecutionHistory or the store's periodic history snapshot.
 *
 * Ordering: the interpreter calls a Task's override synchronously right after
 * dispatching `StateEntered` / `StateRetried`, so invocations are matched to
 * those events per state name in call order (concurrent Map iterations are
 * told apart by their index).
 */
import type { ExecutionStatus, HistoryEvent, HistoryEventType } from '@aws-sdk/client-sfn';
import type { StateMachine } from 'aws-local-stepfunctions';
import type { TaskResource } from './task-resources.ts';

/** An interpreter event (the library does not export the type). */
export type InterpreterEvent = ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

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

/** Where an execution's history comes from: built on demand, or loaded as it was stored. */
export interface HistorySource {
  events(): StoredHistoryEvent[];
}

/** A stored history (loaded from disk). */
export const storedHistory = (events: StoredHistoryEvent[]): HistorySource => ({ events: () => events });

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

const TERMINAL = new Set(['ExecutionSucceeded', 'ExecutionFailed', 'ExecutionAborted', 'ExecutionTimeout']);

export class ExecutionHistoryRecorder implements HistorySource {
  outcome: ExecutionOutcome | undefined;
  /** Set by StopExecution before aborting, for the ExecutionAborted event. */
  stopRequest: { error?: string; cause?: string } | undefined;

  /** The interpreter's events, as dispatched (never mutated afterwards). */
  private readonly raw: InterpreterEvent[] = [];
  /** Task invocations in call order. */
  private readonly invocations: TaskInvocation[] = [];

  constructor(
    private readonly maxEvents: number,
    private readonly roleArn: string,
    private readonly region: string,
    /** The execution input as received (saves serialising it again). */
    private readonly inputText?: string,
  ) {}

  /** Called by a Task override when it starts the function. */
  beginTaskInvocation(invocation: TaskInvocation): TaskInvocation {
    this.invocations.push(invocation);
    return invocation;
  }

  /** Drains the interpreter's event log: keeps the events, and learns the outcome from the terminal one. */
  async consume(eventLogs: AsyncGenerator<InterpreterEvent>): Promise<void> {
    for await (const event of eventLogs) {
      if (TERMINAL.has(event.type)) {
        this.raw.push(event);
        this.outcome = this.outcomeOf(event);
      } else if (this.raw.length < this.maxEvents - 1) {
        this.raw.push(event); // past the cap, only the terminal event is kept
      }
    }
  }

  /** The history in API shapes (built now, from what was recorded so far; capped at maxEvents, terminal event kept). */
  events(): StoredHistoryEvent[] {
    const formatter = new HistoryFormatter(
      this.maxEvents,
      this.roleArn,
      this.region,
      this.invocations,
      this.inputText,
      this.stopRequest,
      this.outcome,
    );
    for (const event of this.raw) formatter.translate(event);
    return formatter.events;
  }

  private outcomeOf(event: InterpreterEvent): ExecutionOutcome | undefined {
    const t = event.timestamp;
    switch (event.type) {
      case 'ExecutionSucceeded':
        return { status: 'SUCCEEDED', stopDate: t, output: json(event.output) };
      case 'ExecutionFailed': {
        const cause = asText(event.Cause);
        return { status: 'FAILED', stopDate: t, error: event.Error, ...(cause !== undefined ? { cause } : {}) };
      }
      case 'ExecutionAborted':
        return { status: 'ABORTED', stopDate: t, ...this.stopRequest };
      case 'ExecutionTimeout':
        return { status: 'TIMED_OUT', stopDate: t, ...TIMEOUT_DETAIL };
      default:
        return undefined;
    }
  }
}

const TIMEOUT_DETAIL = {
  error: 'States.Timeout',
  cause: 'The execution timed out (TimeoutSeconds of the state machine)',
} as const;

/** Turns recorded interpreter events and invocations into API history events. */
class HistoryFormatter {
  readonly events: StoredHistoryEvent[] = [];
  private readonly pending = new Map<string, TaskInvocation[]>();
  private readonly current = new Map<string, TaskInvocation>();

  constructor(
    private readonly maxEvents: number,
    private readonly roleArn: string,
    private readonly region: string,
    invocations: readonly TaskInvocation[],
    private readonly inputText: string | undefined,
    private readonly stopRequest: { error?: string; cause?: string } | undefined,
    private readonly outcome: ExecutionOutcome | undefined,
  ) {
    for (const invocation of invocations) {
      const queue = this.pending.get(invocation.stateName);
      if (queue) queue.push(invocation);
      else this.pending.set(invocation.stateName, [invocation]);
    }
  }

  private add(
    type: HistoryEventType,
    timestamp: number,
    details: Omit<StoredHistoryEvent, 'timestamp' | 'type' | 'id' | 'previousEventId'> = {},
    terminal = false,
  ): void {
    if (!terminal && this.events.length >= this.maxEvents - 1) return;
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
        this.add('LambdaFunctionSucceeded', t, {
          lambdaFunctionSucceededEventDetails: { output, outputDetails: NOT_TRUNCATED },
        });
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

  translate(event: InterpreterEvent): void {
    const t = event.timestamp;
    switch (event.type) {
      case 'ExecutionStarted':
        this.add('ExecutionStarted', t, {
          executionStartedEventDetails: {
            input: this.inputText ?? json(event.input),
            inputDetails: NOT_TRUNCATED,
            roleArn: this.roleArn,
          },
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
        if (type === 'Task')
          this.finishInvocation(name, event.index, t, {
            error: event.Error,
            ...(cause !== undefined ? { cause } : {}),
          });
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
          [`${event.type[0]?.toLowerCase()}${event.type.slice(1)}EventDetails`]: {
            name: event.parentState.name,
            index: event.index,
          },
        });
        return;
      case 'ExecutionSucceeded': {
        const output = this.outcome?.output ?? json(event.output);
        this.add(
          'ExecutionSucceeded',
          t,
          { executionSucceededEventDetails: { output, outputDetails: NOT_TRUNCATED } },
          true,
        );
        return;
      }
      case 'ExecutionFailed': {
        const cause = asText(event.Cause);
        this.add(
          'ExecutionFailed',
          t,
          { executionFailedEventDetails: { error: event.Error, ...(cause !== undefined ? { cause } : {}) } },
          true,
        );
        return;
      }
      case 'ExecutionAborted':
        this.add('ExecutionAborted', t, { executionAbortedEventDetails: { ...this.stopRequest } }, true);
        return;
      case 'ExecutionTimeout':
        this.add('ExecutionTimedOut', t, { executionTimedOutEventDetails: { ...TIMEOUT_DETAIL } }, true);
        return;
      default:
        return; // StateCaught, ParallelBranch*: no event of their own on AWS
    }
  }
}
