/**
 * How dynalite's LevelDB is used in this process: the cost of its reads, and
 * when a write is durable.
 *
 * dynalite keeps every table in one LevelDB (classic-level) and drives it
 * through the abstract-level API.
 *
 * - **Reads** (`readDynamoDbInline`): classic-level's asynchronous get hands
 *   every read to the libuv thread pool and back, which costs ~40 µs of CPU
 *   in thread wake-ups for a read LevelDB answers from memory in ~1 µs, and
 *   dynalite reads at least twice per request (the table's definition, then
 *   the item a write replaces). The reads run inline instead, with
 *   classic-level's `getSync`, in the thread that serves DynamoDB. A read sees
 *   the same state either way: LevelDB does not order reads against writes in
 *   flight, and dynalite locks an item itself while it reads and replaces it.
 *   This changes the ClassicLevel prototype of dynalite's own copy of
 *   classic-level, so it applies to every LevelDB dynalite opens in this
 *   thread and to nothing else.
 * - **Durable writes** (`answerWritesWhenDurable`): LevelDB appends every write
 *   to its log with write(2) before the write resolves, and dynalite answers
 *   only after that, so an acknowledged write survives `kill -9` of the
 *   process as it is. Surviving power loss needs the log flushed to disk
 *   before the answer. LevelDB's own `sync` option does that per write:
 *   dynalite's PutItem on a table with an index is two writes one after the
 *   other (the index entries, then the item), and each waited for its own
 *   fdatasync (1.25 per ticket in `bench:pipeline`). Instead, the answer to a
 *   successful write request waits for one flush of LevelDB's logs that
 *   starts after the request's writes resolved; concurrent requests share it
 *   (group commit, as the SQS and Step Functions journals do). A flush covers
 *   every log file in the folder: after a log switch, the previous log holds
 *   writes until LevelDB has compacted them into a table file (which it syncs,
 *   with its MANIFEST, before it deletes that log). A new log file also gets
 *   its folder flushed, so that its name survives power loss too. Two flushes
 *   start at least `syncIntervalMs` apart (the journals' commit delay,
 *   journal.ts): under load, the requests of that interval share one flush.
 */
import { closeSync, fdatasync, openSync, readdirSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DEFAULT_SYNC_INTERVAL_MS, fsyncDir } from './journal.ts';

interface ClassicLevelInstance {
  _getSync(key: unknown, options: unknown): unknown;
}
const inlineReads = Symbol.for('ticket-triage.local.leveldb-inline-reads');

/** Makes dynalite's LevelDB reads in this thread run inline instead of on the thread pool. Idempotent. */
export function readDynamoDbInline(): void {
  const require = createRequire(createRequire(import.meta.url).resolve('dynalite'));
  const { ClassicLevel } = require('classic-level') as {
    ClassicLevel: { prototype: Record<string | symbol, unknown> };
  };
  const proto = ClassicLevel.prototype;
  if (proto[inlineReads]) return;
  // abstract-level's get() encodes the key, awaits _get(key, options) (the options carry the
  // encodings and a snapshot, which _getSync honours too) and decodes what it returns.
  proto._get = async function getInline(this: ClassicLevelInstance, key: unknown, options: unknown) {
    return this._getSync(key, options);
  };
  proto[inlineReads] = true;
}

/** DynamoDB operations that never write: answered at once. Any other operation may write. */
const READ_ONLY_OPERATIONS = new Set([
  'GetItem',
  'BatchGetItem',
  'Query',
  'Scan',
  'TransactGetItems',
  'DescribeTable',
  'ListTables',
  'DescribeTimeToLive',
  'ListTagsOfResource',
]);

const fdatasyncAsync = promisify(fdatasync);

/**
 * Flushes LevelDB's log files in `dir` to disk, one flush at a time, two
 * flushes at least `syncIntervalMs` apart (default {@link DEFAULT_SYNC_INTERVAL_MS});
 * `afterNow()` resolves once a flush that started after the call has completed.
 */
export class LevelDbLogFlusher {
  /** Open log files by name (LevelDB deletes a log once its writes are in a synced table file). */
  private readonly logs = new Map<string, number>();
  private running: Promise<void> | undefined;
  private queued: Promise<void> | undefined;
  /** When the last flush started (performance.now()). */
  private lastStart = Number.NEGATIVE_INFINITY;
  /** Flushes done, for tests and benchmarks. */
  flushes = 0;

  constructor(
    private readonly dir: string,
    private readonly syncIntervalMs = DEFAULT_SYNC_INTERVAL_MS,
  ) {}

  afterNow(): Promise<void> {
    if (this.queued) return this.queued;
    if (!this.running) return this.start();
    const running = this.running;
    this.queued = running
      .catch(() => undefined)
      .then(() => {
        this.queued = undefined;
        return this.start();
      });
    return this.queued;
  }

  close(): void {
    for (const fd of this.logs.values()) closeSync(fd);
    this.logs.clear();
  }

  /** Starts a flush, or (within the interval) queues one that callers until it starts share. */
  private start(): Promise<void> {
    const wait = this.lastStart + this.syncIntervalMs - performance.now();
    if (wait > 0) {
      const delayed: Promise<void> = new Promise<void>((resolve) => setTimeout(resolve, wait)).then(() => {
        if (this.queued === delayed) this.queued = undefined;
        return this.start();
      });
      this.queued = delayed;
      return delayed;
    }
    this.lastStart = performance.now();
    const run = this.flush().finally(() => {
      if (this.running === run) this.running = undefined;
    });
    this.running = run;
    return run;
  }

  private async flush(): Promise<void> {
    const names = new Set(readdirSync(this.dir).filter((name) => name.endsWith('.log')));
    let newLog = false;
    for (const [name, fd] of this.logs) {
      if (names.has(name)) continue;
      closeSync(fd);
      this.logs.delete(name);
    }
    for (const name of names) {
      if (this.logs.has(name)) continue;
      try {
        this.logs.set(name, openSync(join(this.dir, name), 'r'));
        newLog = true;
      } catch (err) {
        // Deleted since the listing: its writes are in a synced table file.
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
    await Promise.all([
      ...[...this.logs.values()].map((fd) => fdatasyncAsync(fd)),
      ...(newLog ? [fsyncDir(this.dir)] : []),
    ]);
    this.flushes++;
  }
}

/**
 * Makes `server` (dynalite's) answer a successful request that may have
 * written only once `flusher` has flushed LevelDB's logs after the request's
 * writes (see above). Install it before any other request listener. A failed
 * flush fails the request: its connection is destroyed, as a server failing
 * mid-answer would, and `onFlushError` is told.
 */
export function answerWritesWhenDurable(
  server: Server,
  flusher: Pick<LevelDbLogFlusher, 'afterNow'>,
  onFlushError: (err: Error) => void,
): void {
  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    const target = req.headers['x-amz-target'];
    const operation = typeof target === 'string' ? target.slice(target.indexOf('.') + 1) : '';
    if (READ_ONLY_OPERATIONS.has(operation)) return;
    const end = res.end;
    res.end = function endWhenDurable(this: ServerResponse, ...args: unknown[]) {
      // A refused request (validation, condition, missing table) wrote nothing.
      if (this.statusCode >= 300) return end.apply(this, args as Parameters<typeof end>);
      flusher.afterNow().then(
        () => end.apply(this, args as Parameters<typeof end>),
        (err: Error) => {
          onFlushError(err);
          this.destroy(err);
        },
      );
      return this;
    } as typeof res.end;
  });
}
