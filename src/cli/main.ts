import { Command, CommanderError } from 'commander';
import { registerEvaluate } from './commands/evaluate.ts';
import { registerFeedback } from './commands/feedback.ts';
import { registerModels } from './commands/models.ts';
import { registerPredict } from './commands/predict.ts';
import { registerBootstrap } from './commands/bootstrap.ts';
import { registerRetrain } from './commands/retrain.ts';
import { registerRuns } from './commands/runs.ts';
import { registerSend } from './commands/send.ts';
import { registerStart } from './commands/start.ts';
import { registerTrain } from './commands/train.ts';
import { EXIT_CODES } from '../errors.ts';
import { guardProcess, reportError } from './output.ts';

export function buildProgram(): Command {
  const program = new Command('triage')
    .description('ticket-triage: classify support tickets, locally or on AWS, and learn from corrections')
    .showHelpAfterError('(run with --help for usage)')
    .configureHelp({ sortSubcommands: false })
    // Options after a subcommand belong to it (`feedback import x.csv --by me` vs `feedback T-1 --by me`).
    .enablePositionalOptions()
    .exitOverride();
  registerStart(program);
  registerSend(program);
  registerRuns(program);
  registerBootstrap(program);
  registerTrain(program);
  registerEvaluate(program);
  registerPredict(program);
  registerFeedback(program);
  registerRetrain(program);
  registerModels(program);
  const exitOverrideAll = (command: Command): void => {
    command.exitOverride();
    command.commands.forEach(exitOverrideAll);
  };
  program.commands.forEach(exitOverrideAll);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  guardProcess();
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has already printed its message (or the help text); a usage error is bad input.
      process.exitCode = error.exitCode === 0 ? 0 : EXIT_CODES.badInput;
      return;
    }
    reportError(error);
  }
}
