import cliProgress from 'cli-progress';

/** A message for the person at the terminal; the CLI prints it without a stack trace. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** Errors whose message is already meant for a person. */
const USER_FACING = new Set([
  'CliError',
  'DataFileError',
  'ArtifactFormatError',
  'TrainingDataError',
  'ConfigError',
  'InvalidTicketError',
  'FeedbackError',
  'UnknownTicketError',
  'UnknownCategoryError',
  'UnknownModelVersionError',
  'ModelOperationError',
  'ModelNotFoundError',
  'RunNotFoundError',
]);

export function describeError(error: unknown): { message: string; exitCode: number } {
  if (error instanceof Error) {
    if (USER_FACING.has(error.name))
      return { message: error.message, exitCode: error instanceof CliError ? error.exitCode : 1 };
    const detail = process.env.TRIAGE_DEBUG ? `\n${error.stack}` : ' (set TRIAGE_DEBUG=1 for details)';
    return { message: `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}${detail}`, exitCode: 1 };
  }
  return { message: String(error), exitCode: 1 };
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
