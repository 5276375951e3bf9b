import { type Command, InvalidArgumentError, Option } from 'commander';
import { DescribeExecutionCommand, ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { elideTicketText } from '../../api/elide.ts';
import { isAwsError } from '../../aws/errors.ts';
import { executionHistory, runStepsOf, type RunStepDetail } from '../../workflows/runs.ts';
import { runName, wholeNumber } from '../options.ts';
import { CliError, table } from '../output.ts';
import { resolveTarget, targetOptions, type Target, type TargetOptions } from '../target.ts';
import { WORKFLOWS, type WorkflowName } from '../../workflows/catalog.ts';

interface RunsOptions extends TargetOptions {
  workflow: string;
  status?: string;
  limit: number;
  json?: boolean;
}

interface ShowOptions extends TargetOptions {
  workflow: string;
  showText?: boolean;
  json?: boolean;
}

const STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'];

/** `--status failed` or `FAILED`. */
function status(value: string): string {
  const upper = value.toUpperCase();
  if (!STATUSES.includes(upper)) throw new InvalidArgumentError(`It must be one of ${STATUSES.join(', ')}.`);
  return upper;
}

const workflowOption = () =>
  new Option('--workflow <name>', 'which workflow').choices(Object.keys(WORKFLOWS)).default('classify-ticket');

function stateMachineArn(target: Target, workflow: string): string {
  if (!(workflow in WORKFLOWS))
    throw new CliError(`unknown workflow "${workflow}" (${Object.keys(WORKFLOWS).join(', ')})`);
  const arn =
    (workflow as WorkflowName) === 'classify-ticket'
      ? target.config.CLASSIFY_STATE_MACHINE_ARN
      : target.config.RETRAIN_STATE_MACHINE_ARN;
  if (!arn) throw new CliError(`the ${workflow} workflow is not deployed in this stack`, 'NotConfigured');
  return arn;
}

const seconds = (start?: Date, stop?: Date) =>
  start && stop ? `${((stop.getTime() - start.getTime()) / 1000).toFixed(2)} s` : '-';

export function registerRuns(program: Command): void {
  const runs = targetOptions(
    program
      .command('runs')
      .description('workflow executions, newest first (read through the Step Functions API: works locally and on AWS)')
      .addOption(workflowOption())
      .option('--status <status>', `only runs in this status (${STATUSES.join(', ')})`, status)
      .option('--limit <n>', 'how many (1-1000)', wholeNumber(1, 1000), 20)
      .option('--json', 'print JSON'),
  ).action(async (options: RunsOptions) => {
    const target = resolveTarget(options);
    const status = options.status;
    const list = await target.clients.sfn.send(
      new ListExecutionsCommand({
        stateMachineArn: stateMachineArn(target, options.workflow),
        maxResults: options.limit,
        ...(status && { statusFilter: status as 'RUNNING' }),
      }),
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
    console.log(
      table(
        ['run', 'status', 'started', 'duration'],
        executions.map((e) => [e.name!, e.status!, e.startDate!.toISOString(), seconds(e.startDate, e.stopDate)]),
      ),
    );
  });

  targetOptions(
    runs
      .command('show')
      .description("one run's state-by-state history (ticket text hidden unless --show-text)")
      .argument('<name>', 'the run (execution) name, e.g. ticket-1234', runName)
      .addOption(workflowOption())
      .option('--show-text', 'show ticket text in state inputs/outputs')
      .option('--json', 'print JSON'),
  ).action(async (name: string, options: ShowOptions) => {
    const target = resolveTarget(options);
    const arn = `${stateMachineArn(target, options.workflow).replace(':stateMachine:', ':execution:')}:${name}`;
    const execution = await target.clients.sfn
      .send(new DescribeExecutionCommand({ executionArn: arn }))
      .catch((error: Error) => {
        if (isAwsError(error, 'ExecutionDoesNotExist'))
          throw new CliError(`no run named ${name} in ${options.workflow}`);
        throw error;
      });
    const steps = runStepsOf(
      (await executionHistory(target.clients.sfn, arn, { includeExecutionData: true })) ?? [],
      execution.status,
    ).map((step) =>
      options.showText ? step : { ...step, input: elideTicketText(step.input), output: elideTicketText(step.output) },
    );
    if (options.json) {
      console.log(
        JSON.stringify(
          {
            name,
            status: execution.status,
            startDate: execution.startDate,
            stopDate: execution.stopDate,
            error: execution.error,
            cause: execution.cause,
            steps,
          },
          null,
          2,
        ),
      );
      return;
    }
    console.log(
      `${name}: ${execution.status} in ${seconds(execution.startDate, execution.stopDate)}${execution.error ? ` — ${execution.error}: ${execution.cause ?? ''}` : ''}\n`,
    );
    const took = (step: RunStepDetail) =>
      step.exitedAt ? `${Date.parse(step.exitedAt) - Date.parse(step.enteredAt)} ms` : '-';
    const detail = (step: RunStepDetail) =>
      [
        step.retries > 0 ? `${step.retries} retr${step.retries === 1 ? 'y' : 'ies'}` : '',
        step.error ? `${step.error}${step.cause ? `: ${step.cause.slice(0, 80)}` : ''}` : '',
      ]
        .filter(Boolean)
        .join('; ');
    console.log(
      table(
        ['state', 'result', 'took', 'detail'],
        steps.map((step) => [step.name, step.outcome, took(step), detail(step)]),
      ),
    );
    console.log('\n(--json for each state with its input and output)');
  });
}
