import { Command, CommanderError } from 'commander';
import { registerEvaluate } from './commands/evaluate.ts';
import { registerPredict } from './commands/predict.ts';
import { registerBootstrap } from './commands/bootstrap.ts';
import { registerRuns } from './commands/runs.ts';
import { registerSend } from './commands/send.ts';
import { registerStart } from './commands/start.ts';
import { registerTrain } from './commands/train.ts';
import { describeError } from './output.ts';

export function buildProgram(): Command {
  const program = new Command('triage')
    .description('ticket-triage: classify support tickets, locally or on AWS, and learn from corrections')
    .showHelpAfterError('(run with --help for usage)')
    .configureHelp({ sortSubcommands: false })
    .exitOverride();
  registerStart(program);
  registerSend(program);
  registerRuns(program);
  registerBootstrap(program);
  registerTrain(program);
  registerEvaluate(program);
  registerPredict(program);
  const override = (command: Command): void => {
    command.exitOverride();
    command.commands.forEach(override);
  };
  program.commands.forEach(override);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has already printed its message (or the help text).
      process.exitCode = error.exitCode;
      return;
    }
    const { message, exitCode } = describeError(error);
    console.error(`error: ${message}`);
    process.exitCode = exitCode;
  }
}
