import { appendFileSync, existsSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeRecords, encodeRecord, Journal, JournalCorruptError } from '../../src/local/journal.ts';
import { tempDataDir } from './helpers.ts';

const data = tempDataDir('journal');
afterAll(() => data.cleanup());
let n = 0;
const freshDir = (): string => join(data.dir, `j${n++}`);

type Rec = { i: number; text?: string };

describe('journal', () => {
  it('gives back every committed record in order after a reopen', async () => {
    const dir = freshDir();
    const { journal, records } = Journal.open<Rec>(dir, 'x');
    expect(records).toEqual([]);
    for (let i = 0; i < 5; i++) journal.append({ i, text: `ünï\n"${i}"` });
    await journal.commit();
    await journal.close();
    expect(Journal.open<Rec>(dir, 'x').records).toEqual(
      Array.from({ length: 5 }, (_, i) => ({ i, text: `ünï\n"${i}"` })),
    );
  });

  it('commits concurrent appends together (group commit): fewer writes than commits', async () => {
    const { journal } = Journal.open<Rec>(freshDir(), 'x', { durability: 'fsync' });
    const commits: Promise<void>[] = [];
    for (let i = 0; i < 500; i++) {
      journal.append({ i });
      commits.push(journal.commit());
      if (i % 50 === 0) await new Promise((r) => setImmediate(r));
    }
    await Promise.all(commits);
    expect(journal.stats.records).toBe(500);
    expect(journal.stats.writes).toBeLessThan(50);
    await journal.close();
  });

  it('starts two fdatasyncs at least syncIntervalMs apart: what arrives meanwhile shares one; after a quiet interval it is synced at once', async () => {
    const interval = 300;
    const { journal } = Journal.open<Rec>(freshDir(), 'x', { durability: 'fsync', syncIntervalMs: interval });
    journal.append({ i: 1 });
    await journal.commit(); // the first fdatasync starts at once
    expect(journal.stats.writes).toBe(1);
    const appended = performance.now();
    const commits: Promise<void>[] = [];
    for (let i = 2; i <= 4; i++) {
      journal.append({ i });
      commits.push(journal.commit());
      await new Promise((r) => setTimeout(r, 20)); // spread over the interval
    }
    await Promise.all(commits);
    expect(performance.now() - appended).toBeGreaterThanOrEqual(interval - 50);
    expect(journal.stats).toMatchObject({ writes: 2, records: 4 }); // 2, 3 and 4 in one write
    await new Promise((r) => setTimeout(r, interval + 50));
    const quiet = performance.now();
    journal.append({ i: 5 });
    await journal.commit();
    expect(performance.now() - quiet).toBeLessThan(interval - 50);
    expect(journal.stats.writes).toBe(3);
    await journal.close();
  });

  it('close() writes the records still waiting for the sync interval', async () => {
    const dir = freshDir();
    const { journal } = Journal.open<Rec>(dir, 'x', { durability: 'fsync', syncIntervalMs: 200 });
    journal.append({ i: 1 });
    await journal.commit();
    journal.append({ i: 2 }); // waits for the interval
    await journal.close();
    expect(Journal.open<Rec>(dir, 'x').records).toEqual([{ i: 1 }, { i: 2 }]);
  });

  it('ignores and cuts off a torn last record (a crash mid-write), then appends after the good part', async () => {
    const dir = freshDir();
    const { journal } = Journal.open<Rec>(dir, 'x');
    journal.append({ i: 1 });
    journal.append({ i: 2 });
    await journal.commit();
    await journal.close();
    const log = join(dir, 'x.0.log');
    const good = readFileSync(log, 'utf8');
    appendFileSync(log, encodeRecord({ i: 3 }).slice(0, 12)); // half a record, no newline
    const reopened = Journal.open<Rec>(dir, 'x');
    expect(reopened.tornTail).toBe(true);
    expect(reopened.records).toEqual([{ i: 1 }, { i: 2 }]);
    expect(readFileSync(log, 'utf8')).toBe(good);
    reopened.journal.append({ i: 4 });
    await reopened.journal.close();
    expect(Journal.open<Rec>(dir, 'x').records).toEqual([{ i: 1 }, { i: 2 }, { i: 4 }]);
  });

  it('ignores a last record whose checksum fails (bytes written out of order, then a crash)', () => {
    const line = encodeRecord({ i: 7 });
    const flipped = line.replace('"i":7', '"i":8');
    expect(decodeRecords(line + flipped)).toEqual({
      records: [{ i: 7 }],
      goodBytes: Buffer.byteLength(line),
      complete: false,
    });
  });

  it('refuses a log damaged before its end (not a crash: the data dir is damaged)', async () => {
    const dir = freshDir();
    const { journal } = Journal.open<Rec>(dir, 'x');
    journal.append({ i: 1 });
    await journal.close();
    // A later generation exists, so generation 0 must be whole.
    writeFileSync(join(dir, 'x.1.log'), encodeRecord({ i: 2 }));
    truncateSync(join(dir, 'x.0.log'), 5);
    expect(() => Journal.open<Rec>(dir, 'x')).toThrow(JournalCorruptError);
  });

  it('checkpoints: the captured state becomes the base, later records a new log, old files go', async () => {
    const dir = freshDir();
    const { journal } = Journal.open<Rec>(dir, 'x');
    const state: Rec[] = [];
    const apply = (r: Rec) => {
      state.push(r);
      journal.append(r);
    };
    for (let i = 0; i < 10; i++) apply({ i });
    await journal.commit();
    apply({ i: 10 });
    const pendingAtCheckpoint = journal.commit();
    const checkpoint = journal.checkpoint(() => [{ i: -1, text: `${state.length} records` }]);
    await new Promise((r) => setImmediate(r)); // the writer's turn: the state is captured
    apply({ i: 11 });
    await Promise.all([pendingAtCheckpoint, checkpoint, journal.commit()]);
    await journal.close();
    expect(readdirSync(dir).sort()).toEqual(['x.1.base', 'x.1.log']);
    // Record 10 was part of the captured state; record 11 came after it.
    expect(Journal.open<Rec>(dir, 'x').records).toEqual([{ i: -1, text: '11 records' }, { i: 11 }]);
  });

  it('recovers from a crash in the middle of a checkpoint (base not yet renamed)', async () => {
    const dir = freshDir();
    const { journal } = Journal.open<Rec>(dir, 'x');
    journal.append({ i: 1 });
    await journal.close();
    // What a crash leaves: the old generation whole, a temp base, and records in the new log.
    writeFileSync(join(dir, 'x.1.base.tmp'), encodeRecord({ i: 99 }).slice(0, 5));
    writeFileSync(join(dir, 'x.1.log'), encodeRecord({ i: 2 }));
    const reopened = Journal.open<Rec>(dir, 'x');
    expect(reopened.records).toEqual([{ i: 1 }, { i: 2 }]);
    expect(existsSync(join(dir, 'x.1.base.tmp'))).toBe(false);
    await reopened.journal.close();
  });

  it('asks for a checkpoint once the log passes its size limit', async () => {
    const { journal } = Journal.open<Rec>(freshDir(), 'x', { checkpointAtBytes: 200 });
    let due = 0;
    journal.onCheckpointDue(() => {
      due += 1;
      void journal.checkpoint(() => []);
    });
    for (let i = 0; i < 20; i++) {
      journal.append({ i, text: 'x'.repeat(20) });
      await journal.commit();
    }
    expect(due).toBeGreaterThan(0);
    expect(journal.size).toBeLessThan(400);
    await journal.close();
  });

  it('with durability off, acknowledges at once and still writes in the background', async () => {
    const dir = freshDir();
    const { journal } = Journal.open<Rec>(dir, 'x', { durability: 'off' });
    journal.append({ i: 1 });
    let resolved = false;
    void journal.commit().then(() => (resolved = true));
    await Promise.resolve();
    expect(resolved).toBe(true);
    await journal.close();
    expect(Journal.open<Rec>(dir, 'x').records).toEqual([{ i: 1 }]);
  });
});
