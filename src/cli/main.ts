import { Command, CommanderError, Help } from 'commander';
import packageJson from '../../package.json' with { type: 'json' };
import { EXIT_CODES } from '../errors.ts';
import { guardProcess, reportError } from './output.ts';

type Register = (program: Command) => void;

interface CommandEntry {
  readonly name: string;
  /** How `triage --help` lists the command (its name, `[options]`, its arguments). */
  readonly term: string;
  /** Its description, as `triage --help` lists it. */
  readonly summary: string;
  /** Loads the command's module (and so its dependencies: SDK clients, model code, the local runtime). */
  readonly load: () => Promise<Register>;
}

/**
 * The commands, in the order `triage --help` lists them. A command's module
 * is imported only when that command runs (or its own help is asked for), so
 * `triage --help` loads none of them and `triage send` loads only `send`'s
 * dependencies. `term` and `summary` repeat what each module registers;
 * test/unit/cli/main.test.ts checks that the two agree.
 */
export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'start',
    term: 'start [options]',
    summary:
      'run the whole pipeline locally: AWS-compatible servers, both workflows, the queue poller (what `npm start` runs)',
    load: async () => (await import('./commands/start.ts')).registerStart,
  },
  {
    name: 'send',
    term: 'send [options] [text...]',
    summary: 'put a ticket on the input queue and print its classification when it arrives (or --file to send many)',
    load: async () => (await import('./commands/send.ts')).registerSend,
  },
  {
    name: 'runs',
    term: 'runs [options]',
    summary: 'workflow executions, newest first (read through the Step Functions API: works locally and on AWS)',
    load: async () => (await import('./commands/runs.ts')).registerRuns,
  },
  {
    name: 'bootstrap',
    term: 'bootstrap [options]',
    summary: 'replace the base dataset with your labelled tickets and put a model trained on them in service',
    load: async () => (await import('./commands/bootstrap.ts')).registerBootstrap,
  },
  {
    name: 'train',
    term: 'train [options]',
    summary: 'train a model from a labelled CSV and write it to a directory',
    load: async () => (await import('./commands/train.ts')).registerTrain,
  },
  {
    name: 'evaluate',
    term: 'evaluate [options]',
    summary: 'measure a model on labelled data: accuracy, macro-F1, per-category precision/recall, confusion matrix',
    load: async () => (await import('./commands/evaluate.ts')).registerEvaluate,
  },
  {
    name: 'predict',
    term: 'predict [options] <text...>',
    summary: 'classify one ticket with a model directory: top categories and the words that decided it',
    load: async () => (await import('./commands/predict.ts')).registerPredict,
  },
  {
    name: 'feedback',
    term: 'feedback [options] [ticketId]',
    summary:
      'say whether a prediction was right: `feedback T-1 --correct`, `feedback T-1 --category Access`; or `feedback import corrections.csv`',
    load: async () => (await import('./commands/feedback.ts')).registerFeedback,
  },
  {
    name: 'retrain',
    term: 'retrain [options]',
    summary:
      'run the retraining workflow now (feedback -> candidate -> evaluate -> promote or reject) and follow it to the end',
    load: async () => (await import('./commands/retrain.ts')).registerRetrain,
  },
  {
    name: 'models',
    term: 'models',
    summary: 'the model registry: list, show (with an HTML report), promote by hand, roll back',
    load: async () => (await import('./commands/models.ts')).registerModels,
  },
];

/** `triage --version` */
export const VERSION = packageJson.version;

const PROGRAM_FLAGS = new Set(['-h', '--help', '-V', '--version']);

/**
 * The command a command line runs, if it names one: the first operand
 * (`triage send ...`), or the one after `help` (`triage help send`). None
 * when a program option comes first (`triage --help send` shows the
 * program's help) or the name is not a command (commander then says so).
 */
export function selectedCommand(args: readonly string[]): CommandEntry | undefined {
  const operands: string[] = [];
  for (const arg of args) {
    if (operands.length === 0 && PROGRAM_FLAGS.has(arg)) return undefined;
    if (!arg.startsWith('-')) operands.push(arg);
    if (operands.length === 2 || (operands.length === 1 && operands[0] !== 'help')) break;
  }
  const name = operands[0] === 'help' ? operands[1] : operands[0];
  return COMMANDS.find((command) => command.name === name);
}

function newProgram(): Command {
  return (
    new Command('triage')
      .description('ticket-triage: classify support tickets, locally or on AWS, and learn from corrections')
      .version(VERSION, '-V, --version', 'print the version of ticket-triage')
      .showHelpAfterError('(run with --help for usage)')
      .configureHelp({ sortSubcommands: false })
      // Options after a subcommand belong to it (`feedback import x.csv --by me` vs `feedback T-1 --by me`).
      .enablePositionalOptions()
      .exitOverride()
  );
}

function exitOverrideAll(command: Command): void {
  command.exitOverride();
  command.commands.forEach(exitOverrideAll);
}

/** Every command, registered for real (loads every command's module: tests, and tools that list all options). */
export async function buildProgram(): Promise<Command> {
  const program = newProgram();
  for (const command of COMMANDS) (await command.load())(program);
  program.commands.forEach(exitOverrideAll);
  return program;
}

/**
 * The program for one command line: the command it runs registered for real,
 * or, when it runs none (`triage --help`, a mistyped name), every command as a
 * placeholder that only lists itself in the help.
 */
export async function programFor(args: readonly string[]): Promise<Command> {
  const program = newProgram();
  const selected = selectedCommand(args);
  if (selected) {
    (await selected.load())(program);
  } else {
    const terms = new Map<Command, string>();
    for (const command of COMMANDS) terms.set(program.command(command.name).description(command.summary), command.term);
    program.configureHelp({
      sortSubcommands: false,
      subcommandTerm: (command) => terms.get(command) ?? Help.prototype.subcommandTerm.call(new Help(), command),
    });
  }
  program.commands.forEach(exitOverrideAll);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  guardProcess();
  try {
    await (await programFor(argv.slice(2))).parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has already printed its message (or the help text); a usage error is bad input.
      process.exitCode = error.exitCode === 0 ? 0 : EXIT_CODES.badInput;
      return;
    }
    reportError(error);
  }
}
