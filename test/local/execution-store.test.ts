import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ExecutionStore } from '../../src/local/stepfunctions/execution-store.ts';
import type { StoredHistoryEvent } from '../../src/local/stepfunctions/history.ts';
import { eventually, tempDataDir } from './helpers.ts';

const data = tempDataDir('store');
afterAll(() => data.cleanup());

const events = (n: number): StoredHistoryEvent[] =>
  Array.from({ length: n }, (_, i) => ({
    id: i + 1,
    previousEventId: i,
    timestamp: 1000 + i,
    type: i === 0 ? 'ExecutionStarted' : 'PassStateEntered',
  }));

describe('execution store', () => {
  it('keeps histories out of the execution log, snapshots them periodically and on shutdown, and loads them back', async () => {
    const dir = join(data.dir, 'a');
    const store = new ExecutionStore(dir, { historySnapshotMs: 50 });
    await store.load();
    let built = 0;
    const add = (name: string) => {
      const record = store.addRunning({
        executionArn: `arn:x:${name}`,
        stateMachineArn: 'arn:sm',
        name,
        startDate: 1,
        input: '{}',
      });
      store.close(record, {
        status: 'SUCCEEDED',
        stop: 2,
        output: '{"ok":true}',
        history: {
          events: () => {
            built++;
            return events(3);
          },
        },
      });
    };
    add('one');
    expect(built).toBe(0); // nothing formatted while executions finish...
    await eventually(() => (built > 0 ? true : undefined)); // ...until the periodic snapshot
    add('two');
    await store.shutdown();
    const log = readdirSync(dir)
      .filter((f) => f.startsWith('executions.'))
      .map((f) => readFileSync(join(dir, f), 'utf8'))
      .join('');
    expect(log).toContain('"arn:x:two"');
    expect(log).not.toContain('"events"');
    expect(readFileSync(join(dir, 'histories.jsonl'), 'utf8').trim().split('\n')).toHaveLength(2);

    const again = new ExecutionStore(dir);
    await again.load();
    expect(again.get('arn:x:two')?.output).toBe('{"ok":true}');
    expect(again.get('arn:x:two')?.history?.events()).toEqual(events(3));
    await again.shutdown();
  });

  it('drops the histories of old executions with their other details', async () => {
    const store = new ExecutionStore(undefined, { maxExecutionsWithDetails: 2 });
    for (let i = 0; i < 10; i++) {
      const record = store.addRunning({
        executionArn: `arn:x:${i}`,
        stateMachineArn: 'arn:sm',
        name: String(i),
        startDate: i,
        input: '{}',
      });
      store.close(record, { status: 'SUCCEEDED', stop: i, history: { events: () => events(1) } });
    }
    expect(store.get('arn:x:0')?.history).toBeUndefined();
    expect(store.get('arn:x:9')?.history?.events()).toHaveLength(1);
    await store.shutdown();
  });
});
