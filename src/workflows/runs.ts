import { randomBytes } from 'node:crypto';
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  StartExecutionCommand,
  type ExecutionStatus,
  type HistoryEvent,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { isAwsError } from '../aws/errors.ts';
import { TriageError } from '../errors.ts';

/**
 * Workflow runs (both workflows) through the Step Functions API
 * (`@aws-sdk/client-sfn`), so the same code reads them from AWS and from the
 * local runtime's endpoint: starting a retraining, listing runs, one run with
 * its states (from its history, read once), following a run to its end.
 */
export const RUN_STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export interface RunSummary {
  readonly executionName: string;
  readonly executionArn: string;
  readonly status: ExecutionStatus;
  readonly startedAt: string;
  readonly stoppedAt?: string;
  /** From the output of a finished run: promoted / superseded / rejected / skipped; `failed` for a failed run. */
  readonly outcome?: string;
  readonly reason?: string;
  readonly candidateVersion?: string;
  /** The model version the run used (classify-ticket) or made (retrain-model), when its output says. */
  readonly modelVersion?: string;
  readonly error?: string;
  readonly cause?: string;
}

export interface RunStep {
  readonly name: string;
  readonly type: string;
  readonly enteredAt: string;
  readonly exitedAt?: string;
  /** Attempts that failed before the step went on (retries), and the last error. */
  readonly failedAttempts: number;
  readonly lastError?: string;
}

export interface RunDetail extends RunSummary {
  readonly input?: unknown;
  readonly output?: unknown;
  readonly steps?: readonly RunStep[];
  /** Each state in detail, when asked for (null: the history is no longer kept). */
  readonly history?: readonly RunStepDetail[] | null;
}

export class RunNotFoundError extends TriageError {
  override readonly name = 'RunNotFoundError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'NotFound', options);
  }
}

/** The run (execution) names this product makes and looks up: 1-80 of [A-Za-z0-9_-] (AWS allows a few more). */
export const RUN_NAME = /^[A-Za-z0-9_-]{1,80}$/;
export const RUN_NAME_RULE = 'a run name is 1-80 letters, digits, - and _ (e.g. ticket-1234)';

/** `arn:...:stateMachine:<machine>` + name -> `arn:...:execution:<machine>:<name>`. */
export const executionArnOf = (stateMachineArn: string, executionName: string): string =>
  `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${executionName}`;

/** `retrain-20261128-030000-3f9a`: sorts by time, unique. */
export function retrainExecutionName(at: Date = new Date()): string {
  const stamp = at.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `retrain-${stamp}-${randomBytes(2).toString('hex')}`;
}

export interface RetrainTrigger {
  /** What started it: schedule, api, cli, bench, test. */
  readonly trigger: string;
  readonly by?: string;
}

export async function startRetrain(
  sfn: Pick<SFNClient, 'send'>,
  stateMachineArn: string,
  trigger: RetrainTrigger,
): Promise<{ executionName: string; executionArn: string; startedAt: string }> {
  const executionName = retrainExecutionName();
  const started = await sfn.send(
    new StartExecutionCommand({ stateMachineArn, name: executionName, input: JSON.stringify(trigger) }),
  );
  return {
    executionName,
    executionArn: started.executionArn!,
    startedAt: (started.startDate ?? new Date()).toISOString(),
  };
}

function summarise(execution: {
  executionArn?: string;
  name?: string;
  status?: ExecutionStatus;
  startDate?: Date;
  stopDate?: Date;
  output?: string;
  error?: string;
  cause?: string;
}): RunSummary {
  const output = parseJson(execution.output) as
    | {
        outcome?: unknown;
        reason?: unknown;
        candidateVersion?: unknown;
        modelVersion?: unknown;
        inServiceVersion?: unknown;
      }
    | undefined;
  const failed = execution.status === 'FAILED' || execution.status === 'TIMED_OUT' || execution.status === 'ABORTED';
  const outcome = typeof output?.outcome === 'string' ? output.outcome : failed ? 'failed' : undefined;
  const modelVersion = [output?.modelVersion, output?.candidateVersion, output?.inServiceVersion].find(
    (v): v is string => typeof v === 'string',
  );
  return {
    executionName: execution.name!,
    executionArn: execution.executionArn!,
    status: execution.status!,
    startedAt: execution.startDate!.toISOString(),
    ...(execution.stopDate && { stoppedAt: execution.stopDate.toISOString() }),
    ...(outcome && { outcome }),
    ...(typeof output?.reason === 'string'
      ? { reason: output.reason }
      : failed && execution.cause
        ? { reason: execution.cause }
        : {}),
    ...(typeof output?.candidateVersion === 'string' && { candidateVersion: output.candidateVersion }),
    ...(modelVersion && { modelVersion }),
    ...(execution.error && { error: execution.error }),
    ...(execution.cause && { cause: execution.cause }),
  };
}

/**
 * Runs of a state machine, newest first. With `details`, each run is described
 * too (its outcome), one request per run: right for the few retraining runs,
 * not for classify-ticket's thousands.
 */
export async function listRuns(
  sfn: Pick<SFNClient, 'send'>,
  stateMachineArn: string,
  options: { status?: RunStatus; limit?: number; nextToken?: string; details?: boolean } = {},
): Promise<{ runs: RunSummary[]; nextToken?: string }> {
  const page = await sfn
    .send(
      new ListExecutionsCommand({
        stateMachineArn,
        maxResults: options.limit ?? 20,
        ...(options.status && { statusFilter: options.status }),
        ...(options.nextToken && { nextToken: options.nextToken }),
      }),
    )
    .catch((error: unknown) => {
      if (!isAwsError(error, 'InvalidToken')) throw error;
      throw new TriageError('the cursor is not valid: pass the `cursor` of the previous page unchanged', 'BadRequest', {
        cause: error,
      });
    });
  const executions = page.executions ?? [];
  const runs = options.details
    ? await Promise.all(
        executions.map(async (e) =>
          summarise(await sfn.send(new DescribeExecutionCommand({ executionArn: e.executionArn! }))),
        ),
      )
    : executions.map((e) => summarise(e));
  return { runs, ...(page.nextToken && { nextToken: page.nextToken }) };
}

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

/**
 * The history events of an execution, every page of them (at most
 * `maxEvents`); with `includeExecutionData`, each state's input and output
 * too. Undefined when the history is no longer kept.
 */
export async function executionHistory(
  sfn: Pick<SFNClient, 'send'>,
  executionArn: string,
  options: { includeExecutionData?: boolean; maxEvents?: number } = {},
): Promise<HistoryEvent[] | undefined> {
  const maxEvents = options.maxEvents ?? 5000;
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  try {
    do {
      const page = await sfn.send(
        new GetExecutionHistoryCommand({
          executionArn,
          maxResults: 1000,
          includeExecutionData: options.includeExecutionData ?? false,
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

/** A state of a run in brief (what `triage retrain` prints as it follows a run). */
const stepOf = (step: RunStepDetail): RunStep => ({
  name: step.name,
  type: step.type,
  enteredAt: step.enteredAt,
  ...(step.exitedAt !== undefined && { exitedAt: step.exitedAt }),
  failedAttempts: step.failures.length,
  ...(step.failures.length > 0 && { lastError: step.failures.at(-1)!.error }),
});

/**
 * One run: status, outcome, input/output and (unless `steps: false`) the
 * states it went through; with `history: true`, each state in detail too
 * (`history`: its input, output, retries and errors; null when the history is
 * no longer kept). The history is read once for both.
 */
export async function describeRun(
  sfn: Pick<SFNClient, 'send'>,
  stateMachineArn: string,
  executionName: string,
  options: { steps?: boolean; history?: boolean } = {},
): Promise<RunDetail> {
  const executionArn = executionArnOf(stateMachineArn, executionName);
  let execution: DescribeExecutionCommandOutput;
  try {
    execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
  } catch (error) {
    if (isAwsError(error, 'ExecutionDoesNotExist')) throw new RunNotFoundError(`there is no run "${executionName}"`);
    throw error;
  }
  const wantHistory = options.history === true;
  const events =
    options.steps === false && !wantHistory
      ? undefined
      : await executionHistory(sfn, executionArn, { includeExecutionData: wantHistory });
  const history = events && runStepsOf(events, execution.status);
  return {
    ...summarise(execution),
    input: parseJson(execution.input),
    ...(execution.output !== undefined && { output: parseJson(execution.output) }),
    ...(options.steps !== false && history && { steps: history.map(stepOf) }),
    ...(wantHistory && { history: history ?? null }),
  };
}

/** Polls a run until it has finished; `onStep` hears of each state as it is entered. */
export async function followRun(
  sfn: Pick<SFNClient, 'send'>,
  stateMachineArn: string,
  executionName: string,
  options: { onStep?: (step: RunStep) => void; pollMs?: number; timeoutMs?: number } = {},
): Promise<RunDetail> {
  const seen = new Set<number>();
  const deadline = Date.now() + (options.timeoutMs ?? 60 * 60_000);
  for (;;) {
    const run = await describeRun(sfn, stateMachineArn, executionName, { steps: options.onStep !== undefined });
    run.steps?.forEach((step, i) => {
      if (!seen.has(i)) {
        seen.add(i);
        options.onStep?.(step);
      }
    });
    if (run.status !== 'RUNNING') return run;
    if (Date.now() > deadline)
      throw new Error(
        `run ${executionName} is still running after ${Math.round((options.timeoutMs ?? 3_600_000) / 1000)} s`,
      );
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 500));
  }
}
