import cliProgress from 'cli-progress';
import { ERROR_CODES, EXIT_CODES, TriageError, type ErrorCode } from '../errors.ts';
import type { ReviewReason, Route } from '../model/routing.ts';

/** A message for the person at the terminal (a usage problem); the CLI prints it without a stack trace. */
export class CliError extends TriageError {
  override readonly name = 'CliError';
  constructor(message: string, code: ErrorCode = 'InvalidInput') {
    super(message, code);
  }
}

/** What a system error's code means, for the path it names (fs errors). */
const FILE_PROBLEMS: Record<string, { what: string; exitCode: number }> = {
  ENOENT: { what: 'no such file or directory', exitCode: EXIT_CODES.badInput },
  ENOTDIR: { what: 'a part of the path is a file, not a directory', exitCode: EXIT_CODES.badInput },
  EISDIR: { what: 'is a directory, not a file', exitCode: EXIT_CODES.badInput },
  EEXIST: { what: 'already exists', exitCode: EXIT_CODES.badInput },
  EACCES: { what: 'permission denied', exitCode: EXIT_CODES.badInput },
  EPERM: { what: 'operation not permitted', exitCode: EXIT_CODES.badInput },
  EROFS: { what: 'read-only file system', exitCode: EXIT_CODES.badInput },
  ENAMETOOLONG: { what: 'the name is too long', exitCode: EXIT_CODES.badInput },
  ENOSPC: { what: 'no space left on the device', exitCode: EXIT_CODES.unavailable },
};

type SystemError = Error & { code?: string; syscall?: string; path?: string; address?: string; port?: number };

/** Node's system errors a person can act on (a path, a port in use, a stack that does not answer). */
function describeSystemError(error: Error): { message: string; exitCode: number } | undefined {
  const e = (error instanceof AggregateError ? (error.errors[0] ?? error) : error) as SystemError;
  if (typeof e.code !== 'string') return undefined;
  const at = e.address !== undefined ? `${e.address}${e.port !== undefined ? `:${e.port}` : ''}` : undefined;
  if (e.code === 'EADDRINUSE')
    return {
      message: `${at ?? 'the port'} is already in use (another \`triage start\`?): choose free ports with --port and --gateway-port`,
      exitCode: EXIT_CODES.unavailable,
    };
  if (e.code === 'ECONNREFUSED')
    return {
      message: `nothing answers at ${at ?? 'the endpoint'}: is the stack still running? (\`npm start\` for the local one)`,
      exitCode: EXIT_CODES.unavailable,
    };
  const problem = FILE_PROBLEMS[e.code];
  if (problem && e.path !== undefined) return { message: `${e.path}: ${problem.what}`, exitCode: problem.exitCode };
  return undefined;
}

/**
 * What the CLI prints for an error, and its exit code, from the one table of
 * error codes (src/errors.ts): a message written for a person is printed as it
 * is; a system error a person can act on (a missing file, a port in use) is
 * said in words; anything else (a fault of the system, or an error the product
 * did not expect) with its name and, with TRIAGE_DEBUG set, its stack.
 */
export function describeError(error: unknown): { message: string; exitCode: number } {
  const meaning = error instanceof TriageError ? error.meaning : ERROR_CODES.Internal;
  if (!(error instanceof Error)) return { message: String(error), exitCode: meaning.exitCode };
  if (meaning.forPeople) return { message: error.message, exitCode: meaning.exitCode };
  const debug = process.env.TRIAGE_DEBUG ? `\n${error.stack}` : undefined;
  const system = describeSystemError(error);
  if (system) return { message: `${system.message}${debug ?? ''}`, exitCode: system.exitCode };
  return {
    message: `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}${debug ?? ' (set TRIAGE_DEBUG=1 for details)'}`,
    exitCode: meaning.exitCode,
  };
}

/** Prints an error the way every command does (`error: ...` on stderr) and sets the exit code. */
export function reportError(error: unknown): void {
  const { message, exitCode } = describeError(error);
  console.error(`error: ${message}`);
  process.exitCode = exitCode;
}

/** A warning about input that may be right but looks wrong (on stderr, so --json output stays clean). */
export function warn(message: string): void {
  console.error(`warning: ${message}`);
}

/**
 * The process-wide rules of the CLI: when the reader of its output goes away
 * (`triage runs show X | head -3`), it stops quietly (EPIPE is not an error of
 * the command); an error nothing caught is reported like any other (no stack
 * trace unless TRIAGE_DEBUG is set).
 */
export function guardProcess(): void {
  // Nothing can be said on a stream that is gone: stop, with the exit code so far.
  const onStreamError = (error: NodeJS.ErrnoException) =>
    process.exit(process.exitCode ?? (error.code === 'EPIPE' ? EXIT_CODES.ok : EXIT_CODES.internal));
  process.stdout.on('error', onStreamError);
  process.stderr.on('error', onStreamError);
  const fatal = (error: unknown) => {
    if ((error as NodeJS.ErrnoException)?.code === 'EPIPE') process.exit(process.exitCode ?? EXIT_CODES.ok);
    reportError(error);
    process.exit(process.exitCode);
  };
  process.on('uncaughtException', fatal);
  process.on('unhandledRejection', fatal);
}

export interface Progress {
  update(done: number, total: number, label?: string): void;
  stop(): void;
}

/** A progress bar on stderr when it is a terminal (and the output is not JSON); silent otherwise. */
export function progress(enabled: boolean): Progress {
  if (!enabled || !process.stderr.isTTY) return { update() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: ' {label} [{bar}] {percentage}% | {value}/{total} | {duration_formatted}',
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  let currentLabel = '';
  return {
    update(done, total, label = currentLabel) {
      if (!started) {
        bar.start(total, done, { label });
        started = true;
      } else if (label !== currentLabel) {
        bar.setTotal(total);
      }
      currentLabel = label;
      bar.update(done, { label });
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

export const percent = (x: number, digits = 2): string => `${(x * 100).toFixed(digits)}%`;

/** A prediction's route for people: `route: auto`, `route: review (low confidence)`, `route: review (unknown: ...)`. */
export function routeText(route: Route, reason: ReviewReason | undefined): string {
  if (route === 'auto') return 'route: auto';
  return `route: review (${reason === 'unknown' ? 'unknown: fits no category well' : 'low confidence'})`;
}

/** A plain text table with right-aligned numbers. */
export function table(headers: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, c) => Math.max(...cells.map((r) => (r[c] ?? '').length)));
  const numeric = headers.map(
    (_, c) => rows.length > 0 && rows.every((r) => typeof r[c] === 'number' || /^[-\d.,%]+$/.test(String(r[c]))),
  );
  const line = (r: readonly string[]) =>
    r
      .map((v, c) => (numeric[c] ? v.padStart(widths[c]!) : v.padEnd(widths[c]!)))
      .join('  ')
      .trimEnd();
  return [line(cells[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}
