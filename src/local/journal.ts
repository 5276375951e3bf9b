/**
 * A write-ahead journal with group commit: what the local runtime uses to make
 * an acknowledged change durable before it answers.
 *
 * - `append(record)` is synchronous and cheap (the record is encoded and
 *   queued); `commit()` resolves once every record appended so far is in the
 *   file: written with write(2) (`durability: 'process'`, survives `kill -9`
 *   of the process) or also flushed with fdatasync(2) (`'fsync'`, survives
 *   power loss). A server answers a request only after its `commit()`.
 * - Group commit: one write (and one fdatasync) per batch of records appended
 *   while the previous batch was being written, so concurrent requests share
 *   the cost and throughput does not fall to one fsync per request.
 * - Commit delay (`syncIntervalMs`, with `fsync`): two fdatasyncs of a journal
 *   start at least that long apart. Under load the records of the next batch
 *   gather for the rest of the interval, so one fdatasync covers more of them
 *   (what PostgreSQL's `commit_delay` does); a record appended after a quiet
 *   interval is written and synced at once. An fdatasync is dear in a virtual
 *   machine (the flush request exits to the host): see `DEFAULT_SYNC_INTERVAL_MS`.
 * - `durability: 'off'` acknowledges at once and writes in the background
 *   (a crash loses the last few milliseconds): for measuring what durability
 *   costs, not for use.
 * - Records are JSON lines with a CRC-32: `<crc32 hex> <json>\n`. On open, a
 *   torn or corrupt tail of the newest log (a crash mid-write) is ignored and
 *   cut off; a bad record anywhere else is an error (the data dir is damaged).
 * - Checkpoints bound the log: `checkpoint()` captures the owner's state as a
 *   list of records (synchronously, so it is consistent), starts a new log
 *   generation, writes the captured records to `<name>.<gen>.base` (temp
 *   file, fsync, rename, fsync of the folder) and then deletes the older
 *   generation. Recovery starts from the newest complete base and replays the
 *   logs of that generation and any later one.
 *
 * Files in `dir`: `<name>.<gen>.base` (a checkpoint) and `<name>.<gen>.log`.
 */
import {
  closeSync,
  existsSync,
  fdatasync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';

/** What an acknowledgement waits for; see the module comment. */
export type Durability = 'fsync' | 'process' | 'off';

export const DURABILITY_LEVELS: readonly Durability[] = ['fsync', 'process', 'off'];

/**
 * The least time between the starts of two fdatasyncs of one journal (or of
 * the DynamoDB logs, dynalite-leveldb.ts), in ms. Under load, an acknowledgement
 * waits up to this much longer; fdatasyncs fall to at most 250 per second per
 * file. `npm run bench:pipeline` (docs/benchmarks.md): with 4 ms, CPU per ticket
 * -6% and the drain +7% against 0; with 10 ms more throughput but a longer p95.
 */
export const DEFAULT_SYNC_INTERVAL_MS = 4;

export interface JournalOptions {
  readonly durability?: Durability;
  /** With `fsync`: the least time between the starts of two fdatasyncs (ms). Default {@link DEFAULT_SYNC_INTERVAL_MS}. */
  readonly syncIntervalMs?: number;
  /**
   * Called when the current log passes `checkpointAtBytes`; the owner then
   * calls `checkpoint()` when it suits it. Default: checkpoint at once.
   */
  readonly checkpointAtBytes?: number;
}

export interface OpenedJournal<R> {
  readonly journal: Journal<R>;
  /** Every record of the newest base and the logs after it, oldest first. */
  readonly records: R[];
  /** True when a torn tail was found (and cut off) in the newest log. */
  readonly tornTail: boolean;
}

/** A journal record failed its check somewhere other than the end of the newest log. */
export class JournalCorruptError extends Error {
  override readonly name = 'JournalCorruptError';
}

const FILE = /^(.+)\.(\d+)\.(base|log)$/;

export function encodeRecord(record: unknown): string {
  const json = JSON.stringify(record);
  const crc = crc32(json).toString(16).padStart(8, '0');
  return `${crc} ${json}\n`;
}

/**
 * Decodes the records of one file's text. Stops at the first record that is
 * incomplete or fails its CRC: returns what came before it and the byte
 * offset where the good part ends.
 */
export function decodeRecords<R>(text: string): { records: R[]; goodBytes: number; complete: boolean } {
  const records: R[] = [];
  let offset = 0;
  let goodBytes = 0;
  while (offset < text.length) {
    const end = text.indexOf('\n', offset);
    if (end < 0) return { records, goodBytes, complete: false };
    const line = text.slice(offset, end);
    const space = line.indexOf(' ');
    const json = line.slice(space + 1);
    if (space !== 8 || crc32(json).toString(16).padStart(8, '0') !== line.slice(0, 8))
      return { records, goodBytes, complete: false };
    let record: R;
    try {
      record = JSON.parse(json) as R;
    } catch {
      return { records, goodBytes, complete: false };
    }
    records.push(record);
    offset = end + 1;
    goodBytes += Buffer.byteLength(line) + 1;
  }
  return { records, goodBytes, complete: true };
}

/** fsync of a folder, so that the names of files created or renamed in it survive power loss. */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

type Waiter = (err?: Error) => void;

interface Batch {
  readonly lines: string[];
  readonly waiters: Waiter[];
}

const newBatch = (): Batch => ({ lines: [], waiters: [] });

export class Journal<R = unknown> {
  readonly durability: Durability;
  /** Writes (each one write, plus one fdatasync with `fsync`) and the records they carried. */
  readonly stats = { writes: 0, records: 0, checkpoints: 0 };
  private readonly dir: string;
  private readonly name: string;
  private readonly checkpointAtBytes: number;
  private generation: number;
  private fd: number;
  private logBytes = 0;
  /** Records appended and not yet handed to the writer. */
  private pending: Batch = newBatch();
  /** The batch being written, if any. */
  private writing: Batch | undefined;
  /** A writer turn is scheduled. */
  private scheduled = false;
  private readonly syncIntervalMs: number;
  /** When the last fdatasync started (performance.now()). */
  private lastSyncAt = Number.NEGATIVE_INFINITY;
  /** The writer waits for the sync interval to pass. */
  private syncTimer: NodeJS.Timeout | undefined;
  private failure: Error | undefined;
  private closed = false;
  /** The base being written, with the waiters of the records it covers. */
  private checkpointing: Promise<void> | undefined;
  private checkpointRequest: { capture: () => Iterable<unknown>; waiters: Waiter[] } | undefined;
  private onFull: (() => void) | undefined;
  private idleWaiters: (() => void)[] = [];

  private constructor(dir: string, name: string, generation: number, options: JournalOptions) {
    this.dir = dir;
    this.name = name;
    this.durability = options.durability ?? 'fsync';
    this.checkpointAtBytes = options.checkpointAtBytes ?? 64 << 20;
    this.syncIntervalMs = options.syncIntervalMs ?? DEFAULT_SYNC_INTERVAL_MS;
    this.generation = generation;
    this.fd = openSync(this.logPath(generation), 'a');
    this.logBytes = statSync(this.logPath(generation)).size;
  }

  /**
   * Opens (creating `dir` if needed) the journal `name`: reads the newest
   * base and the logs after it, cuts off a torn tail, and returns the records.
   */
  static open<R>(dir: string, name: string, options: JournalOptions = {}): OpenedJournal<R> {
    mkdirSync(dir, { recursive: true });
    const bases: number[] = [];
    const logs: number[] = [];
    for (const file of readdirSync(dir)) {
      const m = FILE.exec(file);
      if (!m || m[1] !== name) continue;
      (m[3] === 'base' ? bases : logs).push(Number(m[2]));
    }
    const newestBase = bases.length > 0 ? Math.max(...bases) : undefined;
    const first = newestBase ?? (logs.length > 0 ? Math.min(...logs) : 0);
    const replay = logs.filter((g) => g >= first).sort((a, b) => a - b);
    const records: R[] = [];
    if (newestBase !== undefined) {
      const path = join(dir, `${name}.${newestBase}.base`);
      const decoded = decodeRecords<R>(readFileSync(path, 'utf8'));
      if (!decoded.complete)
        throw new JournalCorruptError(`${path} is damaged (a checkpoint is never written in place)`);
      records.push(...decoded.records);
    }
    let tornTail = false;
    for (const [i, g] of replay.entries()) {
      const path = join(dir, `${name}.${g}.log`);
      const decoded = decodeRecords<R>(readFileSync(path, 'utf8'));
      records.push(...decoded.records);
      if (decoded.complete) continue;
      if (i !== replay.length - 1)
        throw new JournalCorruptError(`${path} is damaged before its end (only the newest log can end torn)`);
      tornTail = true;
      const fd = openSync(path, 'r+');
      try {
        ftruncateSync(fd, decoded.goodBytes);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }
    const generation = Math.max(first, ...replay);
    // Files older than the starting point are leftovers of a checkpoint that completed.
    for (const g of [...bases, ...logs]) {
      if (g >= first) continue;
      rmSync(join(dir, `${name}.${g}.base`), { force: true });
      rmSync(join(dir, `${name}.${g}.log`), { force: true });
    }
    // A checkpoint that a crash interrupted before its rename.
    for (const file of readdirSync(dir)) {
      if (file.startsWith(`${name}.`) && file.endsWith('.base.tmp')) rmSync(join(dir, file), { force: true });
    }
    return { journal: new Journal<R>(dir, name, generation, options), records, tornTail };
  }

  /** Bytes in the current log. */
  get size(): number {
    return this.logBytes;
  }

  /** Called (once per crossing) when the current log passes `checkpointAtBytes`. */
  onCheckpointDue(listener: () => void): void {
    this.onFull = listener;
  }

  /** Queues a record; `commit()` tells when it is durable. */
  append(record: R): void {
    if (this.closed) throw new Error(`journal ${this.name} is closed`);
    this.pending.lines.push(encodeRecord(record));
    this.kick();
  }

  /** Resolves when every record appended so far is durable (per `durability`); rejects if it cannot be. */
  commit(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.durability === 'off') return Promise.resolve();
    const batch = this.pending.lines.length > 0 ? this.pending : this.writing;
    const waits: Promise<void>[] = [];
    if (batch)
      waits.push(new Promise<void>((resolve, reject) => batch.waiters.push((err) => (err ? reject(err) : resolve()))));
    // Records that a checkpoint took over are durable once its base is.
    if (this.checkpointRequest) {
      const request = this.checkpointRequest;
      waits.push(
        new Promise<void>((resolve, reject) => request.waiters.push((err) => (err ? reject(err) : resolve()))),
      );
    } else if (this.checkpointing) waits.push(this.checkpointing);
    if (waits.length === 0) return Promise.resolve();
    return waits.length === 1 ? (waits[0] as Promise<void>) : Promise.all(waits).then(() => undefined);
  }

  /**
   * Starts a new generation from `capture()` (called between two writes, so
   * it sees exactly the state the logged records describe), and resolves
   * once the new base is durable and the old generation's files are gone.
   */
  checkpoint(capture: () => Iterable<unknown>): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`journal ${this.name} is closed`));
    const request = this.checkpointRequest ?? { capture, waiters: [] };
    this.checkpointRequest = request;
    const done = new Promise<void>((resolve, reject) => request.waiters.push((err) => (err ? reject(err) : resolve())));
    this.kick();
    return done;
  }

  /** Writes what is pending, waits for a running checkpoint, closes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    while (
      this.writing ||
      this.scheduled ||
      this.pending.lines.length > 0 || // also while the writer waits for the sync interval
      this.checkpointRequest ||
      this.checkpointing
    ) {
      if (this.checkpointing) await this.checkpointing.catch(() => undefined);
      else
        await new Promise<void>((resolve) => {
          this.idleWaiters.push(resolve);
          this.kick();
        });
    }
    this.closed = true;
    closeSync(this.fd);
  }

  private logPath(generation: number): string {
    return join(this.dir, `${this.name}.${generation}.log`);
  }

  private basePath(generation: number): string {
    return join(this.dir, `${this.name}.${generation}.base`);
  }

  /** Schedules a writer turn if the writer is idle. */
  private kick(): void {
    if (this.writing || this.scheduled || this.syncTimer) return;
    this.scheduled = true;
    // setImmediate: the requests handled in this turn join the batch.
    setImmediate(() => {
      this.scheduled = false;
      this.writeNext();
    });
  }

  private writeNext(): void {
    if (this.writing || this.syncTimer) return;
    if (this.checkpointRequest && !this.checkpointing) this.switchGeneration();
    const batch = this.pending;
    if (batch.lines.length === 0) {
      if (!this.checkpointRequest) for (const idle of this.idleWaiters.splice(0)) idle();
      return;
    }
    if (this.durability === 'fsync') {
      // The commit delay: what is appended until the interval has passed joins this batch.
      const wait = this.lastSyncAt + this.syncIntervalMs - performance.now();
      if (wait > 0) {
        this.syncTimer = setTimeout(() => {
          this.syncTimer = undefined;
          this.writeNext();
        }, wait);
        return;
      }
    }
    this.pending = newBatch();
    this.writing = batch;
    const data = Buffer.from(batch.lines.join(''));
    const finish = (err: Error | null): void => {
      this.writing = undefined;
      if (err) {
        this.failure ??= new Error(`journal ${this.name} could not be written: ${err.message}`);
        console.error(`[local-runtime] ${this.failure.message}`);
        for (const waiter of batch.waiters) waiter(this.failure);
      } else {
        this.logBytes += data.length;
        this.stats.writes += 1;
        this.stats.records += batch.lines.length;
        for (const waiter of batch.waiters) waiter();
        if (this.logBytes > this.checkpointAtBytes && !this.checkpointRequest && !this.checkpointing) this.onFull?.();
      }
      this.writeNext();
    };
    const fd = this.fd;
    // write(2) to the page cache takes microseconds: done here, it spares a thread-pool round trip
    // (and the event-loop turn its callback waits for) on every acknowledgement. fdatasync(2)
    // takes milliseconds: it runs in the thread pool while the next batch gathers.
    let error: Error | null = null;
    try {
      writeAllSync(fd, data);
    } catch (err) {
      error = err as Error;
    }
    if (error || this.durability !== 'fsync') finish(error);
    else {
      this.lastSyncAt = performance.now();
      fdatasync(fd, finish);
    }
  }

  /**
   * Captures the state and moves appends to a new generation. Runs between
   * two writes: records still pending are part of the captured state, so
   * they are written to no log, and their waiters wait for the new base.
   */
  private switchGeneration(): void {
    const request = this.checkpointRequest;
    if (!request) return;
    this.checkpointRequest = undefined;
    const lines: string[] = [];
    try {
      for (const record of request.capture()) lines.push(encodeRecord(record));
    } catch (err) {
      for (const waiter of request.waiters) waiter(err as Error);
      return;
    }
    const covered = [...this.pending.waiters, ...request.waiters];
    this.pending = newBatch();
    const old = this.generation;
    const next = old + 1;
    closeSync(this.fd);
    this.generation = next;
    this.fd = openSync(this.logPath(next), 'a');
    this.logBytes = 0;
    const sync = this.durability !== 'off';
    const base = this.basePath(next);
    const write = async (): Promise<void> => {
      const tmp = `${base}.tmp`;
      const handle = await open(tmp, 'w');
      try {
        await handle.writeFile(lines.join(''));
        if (sync) await handle.datasync();
      } finally {
        await handle.close();
      }
      await rename(tmp, base);
      if (sync) await fsyncDir(this.dir);
      rmSync(this.basePath(old), { force: true });
      rmSync(this.logPath(old), { force: true });
    };
    this.checkpointing = write().then(
      () => {
        this.checkpointing = undefined;
        this.stats.checkpoints += 1;
        for (const waiter of covered) waiter();
        this.kick();
      },
      (err: unknown) => {
        this.checkpointing = undefined;
        this.failure ??= new Error(`journal ${this.name}: checkpoint failed: ${(err as Error).message}`);
        for (const waiter of covered) waiter(this.failure);
        this.kick();
        throw this.failure;
      },
    );
    this.checkpointing.catch(() => undefined);
  }
}

function writeAllSync(fd: number, data: Buffer): void {
  let offset = 0;
  while (offset < data.length) offset += writeSync(fd, data, offset, data.length - offset);
}

/** True when `dir` holds any file of journal `name`. */
export function journalExists(dir: string, name: string): boolean {
  if (!existsSync(dir)) return false;
  return readdirSync(dir).some((file) => FILE.exec(file)?.[1] === name);
}
