import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataDirInUseError, lockDataDir, lockFilePath } from '../../src/local/data-dir-lock.ts';
import { loadFauxqsStoreClasses, type FauxqsSqsStore } from '../../src/local/fauxqs/internals.ts';
import {
  captureSqsStore,
  DedupLedger,
  InvocationSends,
  journalSqsChanges,
  restoreSqsStore,
  type SqsRecord,
} from '../../src/local/fauxqs/sqs-persistence.ts';
import { Journal } from '../../src/local/journal.ts';
import { tempDataDir } from './helpers.ts';

const data = tempDataDir('sqs-journal');
afterAll(() => data.cleanup());
let n = 0;

const url = (name: string) => `http://127.0.0.1:1/000000000000/${name}`;
const arn = (name: string) => `arn:aws:sqs:us-east-1:000000000000:${name}`;

/** A journaled store, as the emulators run it. */
async function journaledStore(dir: string) {
  const { SqsStore } = await loadFauxqsStoreClasses();
  const store = new SqsStore();
  const { journal, records } = Journal.open<SqsRecord>(dir, 'sqs', { durability: 'process' });
  const dedup = new DedupLedger();
  const sends = new InvocationSends();
  restoreSqsStore(store, records, url, dedup, sends);
  journalSqsChanges(store, journal, dedup, sends);
  return { store, journal, dedup, sends };
}

const { SqsStore: StoreClass } = await loadFauxqsStoreClasses();

/** What fauxqs' SendMessage does, synchronously (as its handler runs). */
function send(store: FauxqsSqsStore, queue: string, body: string): string {
  const msg = (StoreClass as unknown as { createMessage(body: string): { messageId: string } }).createMessage(body);
  store.getQueueByName(queue)!.enqueue(msg as never);
  return msg.messageId;
}

const bodies = (store: FauxqsSqsStore, queue: string) =>
  store.getQueueByName(queue)!.messages.map((m) => `${m.body}:${m.approximateReceiveCount}`);

describe('SQS journal', () => {
  it('replays sends, receives (counts), deletes and dead-letter moves as they happened', async () => {
    const dir = join(data.dir, `s${n++}`);
    const { store, journal } = await journaledStore(dir);
    store.createQueue('dlq', url('dlq'), arn('dlq'));
    store.createQueue('in', url('in'), arn('in'), {
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: arn('dlq'), maxReceiveCount: 1 }),
    });
    for (const b of ['a', 'b', 'c']) send(store, 'in', b);
    const q = store.getQueueByName('in')!;
    const [first] = q.dequeue(1, 30, (a) => store.getQueueByArn(a)); // a: received once, in flight
    const [second] = q.dequeue(1, 30, (a) => store.getQueueByArn(a)); // b: received once
    q.deleteMessage(second!.ReceiptHandle); // b deleted
    q.changeVisibility(first!.ReceiptHandle, 0); // a visible again (not journaled: it would be anyway)
    q.dequeue(10, 30, (a) => store.getQueueByArn(a)); // a: second receive -> dead-letter queue; c received
    await journal.commit();
    await journal.close();

    const again = await journaledStore(dir);
    // c was in flight: visible again, with its receive count; a is in the DLQ; b is gone.
    expect(bodies(again.store, 'in')).toEqual(['c:1']);
    expect(bodies(again.store, 'dlq')).toEqual(['a:2']);
    await again.journal.close();
  });

  it('checkpoints to the same records: a restore from the base equals the store', async () => {
    const dir = join(data.dir, `s${n++}`);
    const { store, journal, dedup, sends } = await journaledStore(dir);
    store.createQueue('q', url('q'), arn('q'), { VisibilityTimeout: '7' });
    for (const b of ['x', 'y']) send(store, 'q', b);
    await journal.checkpoint(() => captureSqsStore(store, dedup, sends));
    send(store, 'q', 'z');
    await journal.close();
    const again = await journaledStore(dir);
    expect(bodies(again.store, 'q')).toEqual(['x:0', 'y:0', 'z:0']);
    expect(again.store.getQueueByName('q')!.attributes.VisibilityTimeout).toBe('7');
    await again.journal.close();
  });

  it('does not repeat a send that the same Task invocation made before a crash', async () => {
    const dir = join(data.dir, `s${n++}`);
    const { store, journal } = await journaledStore(dir);
    store.createQueue('out', url('out'), arn('out'));
    InvocationSends.during('exec-1#Publish#1', () => send(store, 'out', 'result-1'));
    InvocationSends.during('exec-2#Publish#1', () => send(store, 'out', 'result-2'));
    await journal.close();

    // After the restart, exec-1's Publish runs again: its first send to `out` was made already.
    const again = await journaledStore(dir);
    InvocationSends.during('exec-1#Publish#1', () => send(again.store, 'out', 'result-1 again'));
    InvocationSends.during('exec-3#Publish#1', () => send(again.store, 'out', 'result-3'));
    send(again.store, 'out', 'plain send'); // not made by a Task: never deduplicated
    expect(bodies(again.store, 'out')).toEqual(['result-1:0', 'result-2:0', 'result-3:0', 'plain send:0']);
    await again.journal.close();
  });
});

describe('data directory lock', () => {
  it('refuses a second runtime on the same data dir, naming the process that has it', () => {
    const dir = join(data.dir, `lock${n++}`);
    const lock = lockDataDir(dir);
    lock.update({ gateway: 'http://127.0.0.1:4566' });
    let error: unknown;
    try {
      lockDataDir(dir);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DataDirInUseError);
    expect((error as Error).message).toContain(`pid ${process.pid}`);
    expect((error as Error).message).toContain('http://127.0.0.1:4566');
    lock.release();
    lockDataDir(dir).release(); // free again
  });

  it('takes over a stale lock whose process is gone (a kill -9)', () => {
    const dir = join(data.dir, `lock${n++}`);
    const dead = spawnSync(process.execPath, ['-e', 'process.exit(0)']).pid!; // a pid that no longer runs
    lockDataDir(dir).release();
    writeFileSync(lockFilePath(dir), JSON.stringify({ pid: dead, startedAt: 'earlier' }));
    const lock = lockDataDir(dir);
    lock.release();
  });
});
