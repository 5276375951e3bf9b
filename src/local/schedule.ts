/**
 * A timer that runs a task on a schedule: the local stand-in for the
 * EventBridge rule that triggers retraining on AWS.
 *
 * It accepts the EventBridge expressions the CDK rule uses, so one constant can
 * serve both — `rate(6 hours)` and `cron(0 3 * * ? *)` (minutes hours
 * day-of-month month day-of-week year, UTC, weekdays 1-7 = SUN-SAT) — and
 * plain 5/6-field cron patterns (`0 3 * * *`).
 *
 * Cron parsing and timing come from `croner` (zero dependencies, maintained,
 * TypeScript types, timezones, year field, Quartz weekday numbering, `L`/`W`/
 * `#`, and over-run protection). A run never starts while the previous one is
 * still going; a failing run is reported to `onError` and the schedule goes on.
 */
import { Cron, type CronOptions } from 'croner';

export interface ScheduleOptions {
  /** Time zone of cron patterns. Default UTC (as EventBridge). */
  readonly timezone?: string;
  /** Called with any error a run throws. Default: logged to stderr (name only). */
  readonly onError?: (error: unknown) => void;
}

export interface ScheduleHandle {
  readonly expression: string;
  /** When the task runs next (null once stopped). */
  nextRun(): Date | null;
  /** Runs the task now (unless a run is in progress). */
  trigger(): Promise<void>;
  /** Stops the schedule and waits for a run in progress to finish. */
  stop(): Promise<void>;
}

export type ParsedSchedule =
  | { readonly kind: 'rate'; readonly intervalMs: number }
  | {
      readonly kind: 'cron';
      readonly pattern: string;
      readonly options: Pick<CronOptions, 'mode' | 'alternativeWeekdays' | 'sloppyRanges'>;
    };

const RATE = /^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$/i;
const EVENTBRIDGE_CRON = /^cron\((.*)\)$/i;
const UNIT_MS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** Parses an EventBridge `rate(...)`/`cron(...)` expression or a plain cron pattern. */
export function parseSchedule(expression: string): ParsedSchedule {
  const text = expression.trim();
  const rate = RATE.exec(text);
  if (rate) {
    const value = Number(rate[1]);
    const unit = (rate[2] as string).toLowerCase().replace(/s$/, '');
    if (value < 1) throw new Error(`invalid rate expression: ${expression}`);
    return { kind: 'rate', intervalMs: value * (UNIT_MS[unit] as number) };
  }
  const cron = EVENTBRIDGE_CRON.exec(text);
  if (cron) {
    const fields = (cron[1] as string).trim().split(/\s+/);
    if (fields.length !== 6)
      throw new Error(`EventBridge cron needs 6 fields (min hour dom month dow year): ${expression}`);
    // croner's 7-part form adds seconds in front; EventBridge weekdays are Quartz-style (1 = SUN).
    return {
      kind: 'cron',
      pattern: ['0', ...fields].join(' '),
      options: { mode: '7-part', alternativeWeekdays: true, sloppyRanges: true },
    };
  }
  return { kind: 'cron', pattern: text, options: { mode: '5-or-6-parts' } };
}

/** Runs `task` on `expression` until stopped. */
export function startSchedule(expression: string, task: () => unknown, options: ScheduleOptions = {}): ScheduleHandle {
  const parsed = parseSchedule(expression);
  const onError =
    options.onError ??
    ((err: unknown) =>
      console.error(`[local-runtime] scheduled task failed: ${err instanceof Error ? err.name : typeof err}`));
  let running: Promise<void> | undefined;
  let stopped = false;

  const runOnce = (): Promise<void> => {
    if (running || stopped) return running ?? Promise.resolve();
    const run = (async () => {
      try {
        await task();
      } catch (err) {
        onError(err);
      }
    })().finally(() => {
      if (running === run) running = undefined;
    });
    running = run;
    return run;
  };

  if (parsed.kind === 'rate') {
    let next = Date.now() + parsed.intervalMs;
    const timer = setInterval(() => {
      next = Date.now() + parsed.intervalMs;
      void runOnce();
    }, parsed.intervalMs);
    timer.unref();
    return {
      expression,
      nextRun: () => (stopped ? null : new Date(next)),
      trigger: runOnce,
      async stop() {
        stopped = true;
        clearInterval(timer);
        await running;
      },
    };
  }

  const job = new Cron(parsed.pattern, { ...parsed.options, timezone: options.timezone ?? 'UTC', unref: true }, () =>
    runOnce(),
  );
  return {
    expression,
    nextRun: () => (stopped ? null : job.nextRun()),
    trigger: runOnce,
    async stop() {
      stopped = true;
      job.stop();
      await running;
    },
  };
}
