import type { Command } from 'commander';
import { describeRun, followRun, listRuns, startRetrain, type RunDetail } from '../../workflows/runs.ts';
import { CliError, percent } from '../output.ts';
import { retrainStateMachine, storesOf } from '../stores.ts';
import { resolveTarget, targetOptions, type TargetOptions } from '../target.ts';

interface RetrainOptions extends TargetOptions {
  follow: boolean;
  by?: string;
  json?: boolean;
}

interface Figures {
  accuracy: number;
  macroF1: number;
  /** Absent from runs recorded before routing was added. */
  coverage?: number;
}

const figuresText = (f: Figures) =>
  `accuracy ${percent(f.accuracy)}, macro-F1 ${percent(f.macroF1)}${f.coverage === undefined ? '' : `, coverage ${percent(f.coverage)}`}`;

/** The outcome of a finished run, in a sentence or two. */
export function describeOutcome(run: RunDetail): string {
  const output = (run.output ?? {}) as {
    outcome?: string;
    reason?: string;
    candidateVersion?: string;
    inServiceVersion?: string | null;
    candidate?: Figures;
    inService?: Figures | null;
  };
  const figures = output.candidate
    ? `\n  candidate: ${figuresText(output.candidate)}` +
      (output.inService ? `   in service: ${figuresText(output.inService)}` : '')
    : '';
  switch (run.outcome) {
    case 'promoted':
      return `promoted: model ${output.candidateVersion} is in service${figures}\n  ${output.reason}`;
    case 'rejected':
      return `rejected: model ${output.candidateVersion} was not promoted; the model in service is still ${output.inServiceVersion ?? 'none'}${figures}\n  ${output.reason}`;
    case 'superseded':
      return `superseded: model ${output.candidateVersion} passed the gate, but another model was put in service meanwhile (${output.inServiceVersion}); nothing was overwritten${figures}`;
    case 'skipped':
      return output.reason ?? 'skipped';
    default:
      return `failed${run.error ? ` (${run.error})` : ''}: ${run.cause ?? run.status}\n  the model in service was not touched`;
  }
}

export function registerRetrain(program: Command): void {
  targetOptions(
    program
      .command('retrain')
      .description(
        'run the retraining workflow now (feedback -> candidate -> evaluate -> promote or reject) and follow it to the end',
      )
      .option('--no-follow', 'start it and return')
      .option('--by <name>', 'who asked for it (recorded in the run input)')
      .option('--json', 'print the run as JSON'),
  ).action(async (options: RetrainOptions) => {
    const target = resolveTarget(options);
    const { sfn } = storesOf(target);
    const arn = retrainStateMachine(target);
    const running = await listRuns(sfn, arn, { status: 'RUNNING', limit: 1 });
    let executionName: string;
    if (running.runs.length > 0) {
      executionName = running.runs[0]!.executionName;
      if (!options.json)
        console.log(`a retraining is already running: ${executionName} (following it instead of starting another)`);
    } else {
      executionName = (await startRetrain(sfn, arn, { trigger: 'cli', ...(options.by && { by: options.by }) }))
        .executionName;
      if (!options.json) console.log(`retraining started: ${executionName}`);
    }
    if (!options.follow) {
      if (options.json)
        console.log(JSON.stringify(await describeRun(sfn, arn, executionName, { steps: false }), null, 2));
      return;
    }
    const run = await followRun(sfn, arn, executionName, {
      onStep: (step) => {
        if (!options.json) console.log(`  ${step.name}`);
      },
    });
    if (options.json) console.log(JSON.stringify(run, null, 2));
    else console.log(`\n${describeOutcome(run)}`);
    if (run.status !== 'SUCCEEDED') {
      if (options.json) process.exitCode = 1;
      else throw new CliError(`run ${executionName} ${run.status.toLowerCase()}`, 'Failed');
    }
  });
}
