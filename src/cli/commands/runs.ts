import type { Command } from 'commander';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, ListExecutionsCommand, type HistoryEvent } from '@aws-sdk/client-sfn';
import { CliError, table } from '../output.ts';
import { resolveTarget, targetOptions, type Target, type TargetOptions } from '../target.ts';
import { WORKFLOWS, type WorkflowName } from '../../workflows/catalog.ts';

interface RunsOptions extends TargetOptions {
  workflow: string;
  status?: string;
  limit: string;
  json?: boolean;
}

interface ShowOptions extends TargetOptions {
  workflow: string;
  showText?: boolean;
  json?: boolean;
}

const STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'];

function stateMachineArn(target: Target, workflow: string): string {
  if (!(workflow in WORKFLOWS)) throw new CliError(`unknown workflow "${workflow}" (${Object.keys(WORKFLOWS).join(', ')})`);
  const arn = (workflow as WorkflowName) === 'classify-ticket' ? target.config.CLASSIFY_STATE_MACHINE_ARN : target.config.RETRAIN_STATE_MACHINE_ARN;
  if (!arn) throw new CliError(`the ${workflow} workflow is not deployed in this stack`);
  return arn;
}

const seconds = (start?: Date, stop?: Date) => (start && stop ? `${((stop.getTime() - start.getTime()) / 1000).toFixed(2)} s` : '-');

/** Ticket text in a state's input/output, replaced unless asked for. */
export function elideText(json: string | undefined, show: boolean): unknown {
  if (json === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return json;
  }
  if (show) return value;
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.length > 20 && v.every((x) => typeof x === 'string') ? `[${v.length} tokens]` : v.map(walk);
    if (v && typeof v === 'object') {
      return Object.fromEntries(
        Object.entries(v).map(([k, x]) => [k, (k === 'text' || k === 'body' || k === 'subject' || k === 'tokens' || k === 'terms') ? (typeof x === 'string' ? `[${x.length} characters hidden]` : Array.isArray(x) ? `[${x.length} hidden]` : x) : walk(x)]),
      );
    }
    return v;
  };
  return walk(value);
}

function describeEvent(e: HistoryEvent, showText: boolean): { type: string; state?: string; detail?: unknown } {
  const d = e.stateEnteredEventDetails ?? e.stateExitedEventDetails;
  if (d) return { type: e.type!, state: d.name!, detail: elideText(e.stateEnteredEventDetails?.input ?? e.stateExitedEventDetails?.output, showText) };
  const failed = e.lambdaFunctionFailedEventDetails ?? e.executionFailedEventDetails ?? e.taskFailedEventDetails;
  if (failed) return { type: e.type!, detail: { error: failed.error, cause: failed.cause } };
  return { type: e.type! };
}

type DescribedEvent = ReturnType<typeof describeEvent> & { id?: number; at?: Date };

/** One row per state visit: how it ended, how long it took, retries and errors. */
function summarizeStates(events: DescribedEvent[]): string[][] {
  const rows: string[][] = [];
  let open: { state: string; at?: Date; failures: string[] } | undefined;
  for (const e of events) {
    if (e.type.endsWith('StateEntered')) open = { state: e.state!, ...(e.at && { at: e.at }), failures: [] };
    else if ((e.type === 'LambdaFunctionFailed' || e.type === 'TaskFailed') && open) {
      const d = e.detail as { error?: string; cause?: string };
      open.failures.push(`${d.error ?? 'error'}${d.cause ? `: ${String(d.cause).slice(0, 60)}` : ''}`);
    } else if (e.type.endsWith('StateExited') && open) {
      const took = open.at && e.at ? `${e.at.getTime() - open.at.getTime()} ms` : '-';
      const retries = open.failures.length > 0 ? `${open.failures.length} failed attempt(s): ${open.failures.join('; ')}` : '';
      rows.push([open.state, 'ok', took, retries]);
      open = undefined;
    } else if (e.type === 'ExecutionFailed' || e.type === 'ExecutionTimedOut' || e.type === 'ExecutionAborted') {
      const d = e.detail as { error?: string; cause?: string } | undefined;
      if (open) rows.push([open.state, 'failed', '-', open.failures.join('; ')]);
      rows.push(['(execution)', e.type.replace('Execution', '').toLowerCase(), '-', `${d?.error ?? ''} ${d?.cause ?? ''}`.trim().slice(0, 120)]);
      open = undefined;
    }
  }
  return rows;
}

export function registerRuns(program: Command): void {
  const runs = targetOptions(
    program
      .command('runs')
      .description('workflow executions, newest first (read through the Step Functions API: works locally and on AWS)')
      .option('--workflow <name>', `which workflow (${Object.keys(WORKFLOWS).join(', ')})`, 'classify-ticket')
      .option('--status <status>', `only runs in this status (${STATUSES.join(', ')})`)
      .option('--limit <n>', 'how many', '20')
      .option('--json', 'print JSON'),
  ).action(async (options: RunsOptions) => {
    const target = resolveTarget(options);
    const status = options.status?.toUpperCase();
    if (status && !STATUSES.includes(status)) throw new CliError(`--status must be one of ${STATUSES.join(', ')}`);
    const list = await target.clients.sfn.send(
      new ListExecutionsCommand({ stateMachineArn: stateMachineArn(target, options.workflow), maxResults: Number(options.limit), ...(status && { statusFilter: status as 'RUNNING' }) }),
    );
    const executions = list.executions ?? [];
    if (options.json) {
      console.log(JSON.stringify(executions, null, 2));
      return;
    }
    if (executions.length === 0) {
      console.log(`no ${status?.toLowerCase() ?? ''} runs of ${options.workflow} yet`.replace('  ', ' '));
      return;
    }
    console.log(table(['run', 'status', 'started', 'duration'], executions.map((e) => [e.name!, e.status!, e.startDate!.toISOString(), seconds(e.startDate, e.stopDate)])));
  });

  targetOptions(
    runs
      .command('show')
      .description("one run's state-by-state history (ticket text hidden unless --show-text)")
      .argument('<name>', 'the run (execution) name, e.g. ticket-1234')
      .option('--workflow <name>', 'which workflow', 'classify-ticket')
      .option('--show-text', 'show ticket text in state inputs/outputs')
      .option('--json', 'print JSON'),
  ).action(async (name: string, options: ShowOptions) => {
    const target = resolveTarget(options);
    const arn = `${stateMachineArn(target, options.workflow).replace(':stateMachine:', ':execution:')}:${name}`;
    const execution = await target.clients.sfn.send(new DescribeExecutionCommand({ executionArn: arn })).catch((error: Error) => {
      if (error.name === 'ExecutionDoesNotExist') throw new CliError(`no run named ${name} in ${options.workflow}`);
      throw error;
    });
    const events: HistoryEvent[] = [];
    let nextToken: string | undefined;
    do {
      const page = await target.clients.sfn.send(new GetExecutionHistoryCommand({ executionArn: arn, maxResults: 1000, nextToken }));
      events.push(...(page.events ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    const described = events.map((e) => ({ id: e.id, at: e.timestamp, ...describeEvent(e, Boolean(options.showText)) }));
    if (options.json) {
      console.log(JSON.stringify({ name, status: execution.status, startDate: execution.startDate, stopDate: execution.stopDate, error: execution.error, cause: execution.cause, events: described }, null, 2));
      return;
    }
    console.log(`${name}: ${execution.status} in ${seconds(execution.startDate, execution.stopDate)}${execution.error ? ` — ${execution.error}: ${execution.cause ?? ''}` : ''}\n`);
    console.log(table(['state', 'result', 'took', 'detail'], summarizeStates(described)));
    console.log('\n(--json for every event with its input and output)');
  });
}
