import { randomBytes } from 'node:crypto';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  StartExecutionCommand,
  type ExecutionStatus,
  type HistoryEvent,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { isAwsError } from '../aws/errors.ts';
import { parseJson } from '../workflows/run-history.ts';
import { TriageError } from '../errors.ts';

/**
 * Workflow runs through the Step Functions API (`@aws-sdk/client-sfn`), so the
 * same code reads them from AWS and from the local runtime's endpoint.
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
}

export class RunNotFoundError extends TriageError {
  override readonly name = 'RunNotFoundError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'NotFound', options);
  }
}

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
  sfn: SFNClient,
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
  sfn: SFNClient,
  stateMachineArn: string,
  options: { status?: RunStatus; limit?: number; nextToken?: string; details?: boolean } = {},
): Promise<{ runs: RunSummary[]; nextToken?: string }> {
  const page = await sfn.send(
    new ListExecutionsCommand({
      stateMachineArn,
      maxResults: options.limit ?? 20,
      ...(options.status && { statusFilter: options.status }),
      ...(options.nextToken && { nextToken: options.nextToken }),
    }),
  );
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

/** The states a run went through, from its history. */
export function stepsOf(events: readonly HistoryEvent[]): RunStep[] {
  const steps: {
    name: string;
    type: string;
    enteredAt: string;
    exitedAt?: string;
    failedAttempts: number;
    lastError?: string;
  }[] = [];
  for (const event of events) {
    const type = event.type ?? '';
    const at = (event.timestamp ?? new Date()).toISOString();
    if (type.endsWith('StateEntered')) {
      steps.push({
        name: event.stateEnteredEventDetails?.name ?? '?',
        type: type.replace('StateEntered', ''),
        enteredAt: at,
        failedAttempts: 0,
      });
    } else if (type.endsWith('StateExited')) {
      const name = event.stateExitedEventDetails?.name;
      const step = [...steps].reverse().find((s) => s.name === name && s.exitedAt === undefined);
      if (step) step.exitedAt = at;
    } else if (type === 'LambdaFunctionFailed' || type === 'LambdaFunctionTimedOut' || type === 'TaskFailed') {
      const step = steps.at(-1);
      if (step && type !== 'TaskFailed') {
        step.failedAttempts += 1;
        step.lastError =
          event.lambdaFunctionFailedEventDetails?.error ?? event.lambdaFunctionTimedOutEventDetails?.error ?? 'error';
      }
    }
  }
  return steps;
}

async function historyOf(sfn: SFNClient, executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(
      new GetExecutionHistoryCommand({
        executionArn,
        maxResults: 1000,
        includeExecutionData: false,
        ...(nextToken && { nextToken }),
      }),
    );
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}

/** One run: status, outcome, input/output and (unless `steps: false`) the states it went through. */
export async function describeRun(
  sfn: SFNClient,
  stateMachineArn: string,
  executionName: string,
  options: { steps?: boolean } = {},
): Promise<RunDetail> {
  const executionArn = executionArnOf(stateMachineArn, executionName);
  let execution;
  try {
    execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
  } catch (error) {
    if (isAwsError(error, 'ExecutionDoesNotExist')) throw new RunNotFoundError(`there is no run "${executionName}"`);
    throw error;
  }
  const steps = options.steps === false ? undefined : stepsOf(await historyOf(sfn, executionArn));
  return {
    ...summarise(execution),
    input: parseJson(execution.input),
    ...(execution.output !== undefined && { output: parseJson(execution.output) }),
    ...(steps && { steps }),
  };
}

/** Polls a run until it has finished; `onStep` hears of each state as it is entered. */
export async function followRun(
  sfn: SFNClient,
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
