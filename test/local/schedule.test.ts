import { Cron } from 'croner';
import { describe, expect, it } from 'vitest';
import { parseSchedule, startSchedule } from '../../src/local/schedule.ts';
import { sleep } from './helpers.ts';

describe('schedule', () => {
  it('parses EventBridge rate() and cron() expressions and plain cron patterns', () => {
    expect(parseSchedule('rate(5 minutes)')).toEqual({ kind: 'rate', intervalMs: 300_000 });
    expect(parseSchedule('rate(1 day)')).toEqual({ kind: 'rate', intervalMs: 86_400_000 });
    expect(parseSchedule('cron(0 3 * * ? *)')).toMatchObject({ kind: 'cron', pattern: '0 0 3 * * ? *' });
    expect(parseSchedule('0 3 * * *')).toMatchObject({ kind: 'cron', pattern: '0 3 * * *' });
    expect(() => parseSchedule('cron(0 3 * *)')).toThrow(/6 fields/);
    expect(() => parseSchedule('rate(0 minutes)')).toThrow();
  });

  it('computes EventBridge cron times in UTC with Quartz weekdays (1 = Sunday)', () => {
    const from = new Date('2026-01-05T12:00:00Z'); // a Monday
    const next = (expression: string): Date | null => {
      const parsed = parseSchedule(expression);
      if (parsed.kind !== 'cron') throw new Error('not cron');
      return new Cron(parsed.pattern, { ...parsed.options, timezone: 'UTC' }).nextRun(from);
    };
    expect(next('cron(0 3 * * ? *)')?.toISOString()).toBe('2026-01-06T03:00:00.000Z');
    expect(next('cron(0/15 * * * ? *)')?.toISOString()).toBe('2026-01-05T12:15:00.000Z');
    expect(next('cron(0 8 ? * 1 *)')?.toISOString()).toBe('2026-01-11T08:00:00.000Z'); // Sunday
    expect(next('cron(0 8 ? * SAT *)')?.toISOString()).toBe('2026-01-10T08:00:00.000Z');
    expect(next('cron(30 9 1 * ? *)')?.toISOString()).toBe('2026-02-01T09:30:00.000Z');
  });

  it('runs the task on schedule, never overlapping runs, and stop() waits for the run in progress', async () => {
    let runs = 0;
    let active = 0;
    let maxActive = 0;
    const handle = startSchedule('* * * * * *', async () => {
      runs += 1;
      active += 1;
      maxActive = Math.max(maxActive, active);
      await sleep(1500); // longer than the 1 s period
      active -= 1;
    });
    expect(handle.nextRun()).toBeInstanceOf(Date);
    await sleep(2600);
    await handle.stop();
    expect(active).toBe(0);
    expect(runs).toBeGreaterThanOrEqual(1);
    expect(runs).toBeLessThanOrEqual(2);
    expect(maxActive).toBe(1);
    expect(handle.nextRun()).toBeNull();
  });

  it('keeps going after a failing run and reports the error', async () => {
    const errors: unknown[] = [];
    let runs = 0;
    const handle = startSchedule(
      'rate(1 minute)',
      () => {
        runs += 1;
        throw new Error('retrain failed');
      },
      { onError: (err) => errors.push(err) },
    );
    await handle.trigger();
    await handle.trigger();
    await handle.stop();
    expect(runs).toBe(2);
    expect(errors).toHaveLength(2);
  });
});
