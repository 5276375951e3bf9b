import cliProgress from 'cli-progress';
import { ERROR_CODES, TriageError, type ErrorCode } from '../errors.ts';

/** A message for the person at the terminal (a usage problem); the CLI prints it without a stack trace. */
export class CliError extends TriageError {
  override readonly name = 'CliError';
  constructor(message: string, code: ErrorCode = 'InvalidInput') {
    super(message, code);
  }
}

/**
 * What the CLI prints for an error, and its exit code, from the one table of
 * error codes (src/errors.ts): a message written for a person is printed as it
 * is; anything else (a fault of the system, or an error the product did not
 * expect) with its name and, with TRIAGE_DEBUG set, its stack.
 */
export function describeError(error: unknown): { message: string; exitCode: number } {
  const meaning = error instanceof TriageError ? error.meaning : ERROR_CODES.Internal;
  if (!(error instanceof Error)) return { message: String(error), exitCode: meaning.exitCode };
  if (meaning.forPeople) return { message: error.message, exitCode: meaning.exitCode };
  const detail = process.env.TRIAGE_DEBUG ? `\n${error.stack}` : ' (set TRIAGE_DEBUG=1 for details)';
  return {
    message: `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}${detail}`,
    exitCode: meaning.exitCode,
  };
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
