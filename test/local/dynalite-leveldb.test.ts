import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConditionalCheckFailedException, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { answerWritesWhenDurable, LevelDbLogFlusher, readDynamoDbInline } from '../../src/local/dynalite-leveldb.ts';
import { startDynalite, tempDataDir } from './helpers.ts';

const data = tempDataDir('dynalite-leveldb');
afterAll(() => data.cleanup());

describe('LevelDbLogFlusher', () => {
  /** A folder holding one LevelDB log, as dynalite's does. */
  function folderWithLog(name: string): string {
    const dir = join(data.dir, name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, '000003.log'), 'x');
    return dir;
  }

  it('flushes once for the calls made while no flush runs, and once more for those made during a flush', async () => {
    const dir = folderWithLog('group');
    const flusher = new LevelDbLogFlusher(dir);
    const first = flusher.afterNow(); // starts a flush at once
    const during = [flusher.afterNow(), flusher.afterNow(), flusher.afterNow()]; // one more, after it
    await Promise.all([first, ...during]);
    expect(flusher.flushes).toBe(2);
    await flusher.afterNow();
    expect(flusher.flushes).toBe(3);
    flusher.close();
  });

  it('starts two flushes at least syncIntervalMs apart; the calls made until the next one starts share it', async () => {
    const dir = folderWithLog('interval');
    const interval = 300;
    const flusher = new LevelDbLogFlusher(dir, interval);
    await flusher.afterNow(); // at once
    const asked = performance.now();
    const next = [flusher.afterNow()];
    await new Promise((r) => setTimeout(r, 50));
    next.push(flusher.afterNow(), flusher.afterNow()); // the next flush has not started: they join it
    await Promise.all(next);
    expect(performance.now() - asked).toBeGreaterThanOrEqual(interval - 50);
    expect(flusher.flushes).toBe(2);
    await new Promise((r) => setTimeout(r, interval + 50));
    const quiet = performance.now();
    await flusher.afterNow(); // after a quiet interval: at once
    expect(performance.now() - quiet).toBeLessThan(interval - 50);
    expect(flusher.flushes).toBe(3);
    flusher.close();
  });

  it('follows LevelDB switching logs: a new log is flushed, a deleted one is let go', async () => {
    const dir = folderWithLog('switch');
    const flusher = new LevelDbLogFlusher(dir);
    await flusher.afterNow();
    writeFileSync(join(dir, '000005.log'), 'y');
    await flusher.afterNow();
    rmSync(join(dir, '000003.log'));
    renameSync(join(dir, '000005.log'), join(dir, '000007.log'));
    await flusher.afterNow();
    rmSync(join(dir, '000007.log'));
    await flusher.afterNow(); // no log at all: nothing to flush, no error
    expect(flusher.flushes).toBe(4);
    flusher.close();
  });
});

describe('dynalite with answerWritesWhenDurable', () => {
  /** A flusher whose flushes the test completes (or fails) by hand. */
  function manualFlusher() {
    const pending: { resolve: () => void; reject: (err: Error) => void }[] = [];
    return {
      pending,
      afterNow: () => new Promise<void>((resolve, reject) => pending.push({ resolve, reject })),
    };
  }

  function start(flusher: ReturnType<typeof manualFlusher>, errors: Error[]) {
    readDynamoDbInline();
    return startDynalite({
      path: join(data.dir, `dynalite-${Math.random().toString(36).slice(2)}`),
      prepare: (server) => answerWritesWhenDurable(server, flusher, (err) => errors.push(err)),
      createTable: (create) => flushUntil(flusher, create()),
    });
  }

  /** Resolves the flushes asked for so far, until `done` settles. */
  async function flushUntil<T>(flusher: ReturnType<typeof manualFlusher>, done: Promise<T>): Promise<T> {
    let settled = false;
    void done.then(
      () => (settled = true),
      () => (settled = true),
    );
    while (!settled) {
      for (const flush of flusher.pending.splice(0)) flush.resolve();
      await new Promise((r) => setTimeout(r, 5));
    }
    return done;
  }

  it('answers a write only after a flush that started after it, and reads and refused writes at once', async () => {
    const flusher = manualFlusher();
    const errors: Error[] = [];
    const { client, close } = await start(flusher, errors);
    try {
      let answered = false;
      const put = client
        .send(new PutItemCommand({ TableName: 'tickets', Item: { id: { S: 'a' } } }))
        .then(() => (answered = true));
      await new Promise((r) => setTimeout(r, 100));
      expect(answered).toBe(false); // written, waiting for its flush
      expect(flusher.pending).toHaveLength(1);
      flusher.pending.shift()!.resolve();
      await put;
      expect(answered).toBe(true);

      // A read and a write refused by its condition ask for no flush.
      const { Item } = await client.send(new GetItemCommand({ TableName: 'tickets', Key: { id: { S: 'a' } } }));
      expect(Item).toEqual({ id: { S: 'a' } });
      await expect(
        client.send(
          new PutItemCommand({
            TableName: 'tickets',
            Item: { id: { S: 'a' } },
            ConditionExpression: 'attribute_not_exists(id)',
          }),
        ),
      ).rejects.toBeInstanceOf(ConditionalCheckFailedException);
      expect(flusher.pending).toHaveLength(0);
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it('fails the request when its flush fails, and says why', async () => {
    const flusher = manualFlusher();
    const errors: Error[] = [];
    const { client, close } = await start(flusher, errors);
    try {
      const put = client.send(new PutItemCommand({ TableName: 'tickets', Item: { id: { S: 'b' } } }));
      while (flusher.pending.length === 0) await new Promise((r) => setTimeout(r, 5));
      flusher.pending.shift()!.reject(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
      await expect(put).rejects.toThrow();
      expect(errors.map((e) => e.message)).toEqual(['EIO: i/o error, fdatasync']);
    } finally {
      await close();
    }
  });
});
