import { GetExecutionHistoryCommand, type HistoryEvent, type SFNClient } from '@aws-sdk/client-sfn';
import { isAwsError } from '../aws/errors.ts';

/**
 * A run state by state, with each state's input and output, the attempts
 * that failed (retries) and the error it ended with: what the web page's run
 * view shows and colours its graph by. Built from GetExecutionHistory with
 * the execution data, so it reads the same from AWS and the local runtime.
 */

/**
 * `succeeded`: went on normally (after retries, if `failedAttempts` > 0);
 * `failed`: ended with an error (a Fail state, or a Task whose error was not
 * caught); `caught`: failed and a Catch took the run on to another state;
 * `running`: entered and not finished yet.
 */
export type StepOutcome = 'succeeded' | 'failed' | 'caught' | 'running';

export interface StepAttemptFailure {
  readonly at: string;
  readonly error: string;
  readonly cause?: string;
}

export interface RunStepDetail {
  readonly name: string;
  /** Task, Choice, Pass, Fail, Succeed, Wait, Map, Parallel. */
  readonly type: string;
  readonly enteredAt: string;
  readonly exitedAt?: string;
  readonly outcome: StepOutcome;
  /** Attempts of a Task that failed, in order (retried ones and, for a failed step, the last). */
  readonly failures: readonly StepAttemptFailure[];
  /** How many times the Task was retried. */
  readonly retries: number;
  readonly input?: unknown;
  readonly output?: unknown;
  /** The error the step ended with (failed or caught). */
  readonly error?: string;
  readonly cause?: string;
}

/** JSON text -> value; text that is not JSON stays text. */
export function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const FAILURE_EVENTS = new Set([
  'LambdaFunctionFailed',
  'LambdaFunctionTimedOut',
  'LambdaFunctionStartFailed',
  'LambdaFunctionScheduleFailed',
  'TaskFailed',
  'TaskTimedOut',
  'TaskStartFailed',
  'TaskSubmitFailed',
]);
const SUCCESS_EVENTS = new Set(['LambdaFunctionSucceeded', 'TaskSucceeded']);
const SCHEDULE_EVENTS = new Set(['LambdaFunctionScheduled', 'TaskScheduled']);

function failureOf(event: HistoryEvent): { error: string; cause?: string } {
  const detail =
    event.lambdaFunctionFailedEventDetails ??
    event.lambdaFunctionTimedOutEventDetails ??
    event.lambdaFunctionStartFailedEventDetails ??
    event.lambdaFunctionScheduleFailedEventDetails ??
    event.taskFailedEventDetails ??
    event.taskTimedOutEventDetails ??
    event.taskStartFailedEventDetails ??
    event.taskSubmitFailedEventDetails ??
    {};
  const error = (detail as { error?: string }).error ?? (event.type?.includes('TimedOut') ? 'States.Timeout' : 'Error');
  const cause = (detail as { cause?: string }).cause;
  return { error, ...(cause !== undefined && { cause }) };
}

interface MutableStep {
  name: string;
  type: string;
  enteredAt: string;
  exitedAt?: string;
  failures: StepAttemptFailure[];
  schedules: number;
  succeededAttempt: boolean;
  lastAttemptFailed: boolean;
  input?: unknown;
  output?: unknown;
}

/**
 * The states of a run from its history events (with data), oldest first.
 * `executionStatus` tells a step left open by a running execution from one
 * the execution failed in.
 */
export function runStepsOf(events: readonly HistoryEvent[], executionStatus: string | undefined): RunStepDetail[] {
  const steps: MutableStep[] = [];
  let executionFailure: { error?: string; cause?: string } | undefined;
  for (const event of events) {
    const type = event.type ?? '';
    const at = (event.timestamp ?? new Date(0)).toISOString();
    if (type.endsWith('StateEntered')) {
      const details = event.stateEnteredEventDetails;
      steps.push({
        name: details?.name ?? '?',
        type: type.replace('StateEntered', ''),
        enteredAt: at,
        failures: [],
        schedules: 0,
        succeededAttempt: false,
        lastAttemptFailed: false,
        ...(details?.input !== undefined && { input: parseJson(details.input) }),
      });
      continue;
    }
    if (type.endsWith('StateExited')) {
      const details = event.stateExitedEventDetails;
      const step = [...steps].reverse().find((s) => s.name === details?.name && s.exitedAt === undefined);
      if (step) {
        step.exitedAt = at;
        if (details?.output !== undefined) step.output = parseJson(details.output);
      }
      continue;
    }
    const current = [...steps].reverse().find((s) => s.exitedAt === undefined);
    if (SCHEDULE_EVENTS.has(type)) {
      if (current) current.schedules += 1;
    } else if (SUCCESS_EVENTS.has(type)) {
      if (current) {
        current.succeededAttempt = true;
        current.lastAttemptFailed = false;
      }
    } else if (FAILURE_EVENTS.has(type)) {
      if (current) {
        current.failures.push({ at, ...failureOf(event) });
        current.lastAttemptFailed = true;
      }
    } else if (type === 'ExecutionFailed' || type === 'ExecutionTimedOut' || type === 'ExecutionAborted') {
      const d =
        event.executionFailedEventDetails ?? event.executionTimedOutEventDetails ?? event.executionAbortedEventDetails;
      executionFailure = {
        ...(d?.error !== undefined && { error: d.error }),
        ...(d?.cause !== undefined && { cause: d.cause }),
      };
    }
  }

  return steps.map((step, i): RunStepDetail => {
    const next = steps[i + 1];
    const last = step.failures.at(-1);
    let outcome: StepOutcome;
    let error: { error?: string; cause?: string } | undefined;
    if (step.type === 'Fail') {
      outcome = 'failed';
      error = executionFailure;
    } else if (step.lastAttemptFailed && !step.succeededAttempt) {
      outcome = next ? 'caught' : executionStatus === 'RUNNING' ? 'running' : 'failed';
      error = last;
    } else if (step.exitedAt !== undefined) {
      outcome = 'succeeded';
    } else if (next) {
      // Left without an exit event (a caught failure on some engines): it failed over to the next state.
      outcome = 'caught';
      error = last;
    } else {
      outcome = executionStatus === 'RUNNING' ? 'running' : executionStatus === 'SUCCEEDED' ? 'succeeded' : 'failed';
      if (outcome === 'failed') error = last ?? executionFailure;
    }
    const exitedAt = step.exitedAt ?? (outcome === 'running' ? undefined : (next?.enteredAt ?? last?.at));
    return {
      name: step.name,
      type: step.type,
      enteredAt: step.enteredAt,
      ...(exitedAt !== undefined && { exitedAt }),
      outcome,
      failures: step.failures,
      retries: Math.max(0, step.schedules - 1),
      ...(step.input !== undefined && { input: step.input }),
      ...(step.output !== undefined && { output: step.output }),
      ...(error?.error !== undefined && { error: error.error }),
      ...(error?.cause !== undefined && { cause: error.cause }),
    };
  });
}

/** The history events of an execution with their data; undefined when the history is no longer kept. */
export async function executionHistory(
  sfn: SFNClient,
  executionArn: string,
  maxEvents = 5000,
): Promise<HistoryEvent[] | undefined> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  try {
    do {
      const page = await sfn.send(
        new GetExecutionHistoryCommand({
          executionArn,
          maxResults: 1000,
          includeExecutionData: true,
          ...(nextToken && { nextToken }),
        }),
      );
      events.push(...(page.events ?? []));
      nextToken = page.nextToken;
    } while (nextToken && events.length < maxEvents);
  } catch (error) {
    if (isAwsError(error, 'ExecutionDoesNotExist')) return undefined;
    throw error;
  }
  return events;
}
