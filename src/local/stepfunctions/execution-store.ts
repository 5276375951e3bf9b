/**
 * Execution records with bounded memory, persisted as JSON lines.
 *
 * - Every execution keeps a small summary (ARN, name, status, dates) for up to
 *   `maxExecutions` executions (the oldest finished ones are forgotten first);
 *   that is what makes name de-duplication and ListExecutions work.
 * - Only the newest `maxExecutionsWithDetails` finished executions keep their
 *   input, output and history (itself capped at `maxEventsPerExecution`).
 * - With a directory, a journal (`executions.*`, see journal.ts) gets a
 *   `start` record when an execution starts and an `end` record when it
 *   closes (status, dates, output, error). `commit()` resolves once they are
 *   durable: StartExecution answers only then, so a started execution is
 *   never lost. The journal is checkpointed from memory when its log grows
 *   past `compactAtBytes` and on load. An execution with a `start` record and
 *   no `end` record was interrupted by a stop or crash of the runtime (see
 *   `interrupted()`).
 * - Histories are not in those lines (formatting and writing ~25 KB of JSON
 *   per execution was a fifth of the pipeline's CPU). Each execution keeps its
 *   history as a lazy source (see history.ts) in memory; `histories.jsonl`
 *   holds the formatted histories of the executions that keep details, and is
 *   rewritten every `historySnapshotMs` while new ones finish, and on
 *   `shutdown()` — so the cost is bounded by that interval, not by the
 *   execution rate. A crash loses at most that interval of histories (the
 *   executions themselves, their status and output are in the JSONL file).
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { ExecutionStatus } from '@aws-sdk/client-sfn';
import { Journal, journalExists, type Durability } from '../journal.ts';
import { storedHistory, type HistorySource, type StoredHistoryEvent } from './history.ts';

export interface ExecutionRecord {
  readonly seq: number;
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly name: string;
  readonly startDate: number;
  status: ExecutionStatus;
  stopDate?: number;
  /** Dropped (undefined) once the execution is old enough to lose its details. */
  input?: string;
  output?: string;
  error?: string;
  cause?: string;
  /** The history (GetExecutionHistory); dropped with the other details. */
  history?: HistorySource;
}

export interface ExecutionStoreLimits {
  /** Executions remembered at all (summaries). Default 50,000. */
  readonly maxExecutions?: number;
  /** Finished executions that keep input/output/history. Default 1,000. */
  readonly maxExecutionsWithDetails?: number;
  /** History events kept per execution (the terminal event always is). Default 1,000. */
  readonly maxEventsPerExecution?: number;
  /** Checkpoint the journal once its log is larger than this. Default 64 MiB. */
  readonly compactAtBytes?: number;
  /** How often the histories file is rewritten while executions finish (ms). Default 10,000. */
  readonly historySnapshotMs?: number;
}

type StartLine = { t: 's'; seq: number; arn: string; sm: string; name: string; start: number; input: string };
type EndLine = {
  t: 'e';
  arn: string;
  status: ExecutionStatus;
  stop: number;
  output?: string;
  error?: string;
  cause?: string;
  /** Only in files written before histories moved to histories.jsonl (read, never written). */
  events?: StoredHistoryEvent[];
};
type HistoryLine = { arn: string; events: StoredHistoryEvent[] };

/** What `close()` records about an execution's end. */
export type ExecutionEnd = Omit<EndLine, 't' | 'arn' | 'events'> & { history?: HistorySource };

/** Histories formatted per event-loop turn when writing the snapshot (keeps the loop responsive). */
const HISTORIES_PER_TURN = 50;

export class ExecutionStore {
  readonly maxExecutions: number;
  readonly maxExecutionsWithDetails: number;
  readonly maxEventsPerExecution: number;
  private readonly compactAtBytes: number;

  private readonly byArn = new Map<string, ExecutionRecord>();
  /** Per state machine, oldest first (ascending seq). */
  private readonly byMachine = new Map<string, ExecutionRecord[]>();
  /** All records, oldest first. */
  private order: ExecutionRecord[] = [];
  /** Finished records that still hold details, oldest first. */
  private detailed: ExecutionRecord[] = [];
  private nextSeq = 1;

  private readonly dir: string | undefined;
  private readonly durability: Durability;
  private journal: Journal<StartLine | EndLine> | undefined;
  private readonly historyFile: string | undefined;
  private historiesDirty = false;
  private historyWrite: Promise<void> = Promise.resolve();
  private readonly historyTimer: NodeJS.Timeout | undefined;
  private interruptedRecords: ExecutionRecord[] = [];

  constructor(dir: string | undefined, limits: ExecutionStoreLimits = {}, durability: Durability = 'fsync') {
    this.maxExecutions = limits.maxExecutions ?? 50_000;
    this.maxExecutionsWithDetails = limits.maxExecutionsWithDetails ?? 1_000;
    this.maxEventsPerExecution = limits.maxEventsPerExecution ?? 1_000;
    this.compactAtBytes = limits.compactAtBytes ?? 64 << 20;
    this.durability = durability;
    this.dir = dir;
    if (dir) {
      mkdirSync(dir, { recursive: true });
      this.historyFile = join(dir, 'histories.jsonl');
      this.historyTimer = setInterval(() => {
        if (this.historiesDirty)
          this.writeHistories().catch((err: unknown) => console.error('[local-runtime] history snapshot failed:', err));
      }, limits.historySnapshotMs ?? 10_000);
      this.historyTimer.unref();
    }
  }

  /** Opens the journal (reading what it holds) and checkpoints it. Call once, before anything else. */
  async load(): Promise<void> {
    if (!this.dir || this.journal) return;
    const legacyFile = join(this.dir, 'executions.jsonl');
    const legacy = journalExists(this.dir, 'executions') ? [] : readLegacyLines(legacyFile);
    const opened = Journal.open<StartLine | EndLine>(this.dir, 'executions', {
      durability: this.durability,
      checkpointAtBytes: this.compactAtBytes,
    });
    this.journal = opened.journal;
    for (const parsed of [...legacy, ...opened.records]) {
      if (parsed.t === 's') {
        const existing = this.byArn.get(parsed.arn);
        if (existing) {
          // A restarted interrupted execution: same identity, running again.
          existing.status = 'RUNNING';
          existing.input = parsed.input;
          continue;
        }
        this.insert({
          seq: parsed.seq,
          executionArn: parsed.arn,
          stateMachineArn: parsed.sm,
          name: parsed.name,
          startDate: parsed.start,
          status: 'RUNNING',
          input: parsed.input,
        });
        this.nextSeq = Math.max(this.nextSeq, parsed.seq + 1);
      } else {
        const record = this.byArn.get(parsed.arn);
        if (record) this.applyEnd(record, parsed);
      }
    }
    this.journal.onCheckpointDue(() => {
      this.compact().catch((err: unknown) =>
        console.error('[local-runtime] execution journal checkpoint failed:', err),
      );
    });
    if (this.historyFile && existsSync(this.historyFile)) {
      for (const line of readFileSync(this.historyFile, 'utf8').split('\n')) {
        if (line.length === 0) continue;
        let parsed: HistoryLine;
        try {
          parsed = JSON.parse(line) as HistoryLine;
        } catch {
          continue;
        }
        const record = this.byArn.get(parsed.arn);
        if (record && record.status !== 'RUNNING') record.history = storedHistory(parsed.events);
      }
    }
    this.interruptedRecords = this.order.filter((r) => r.status === 'RUNNING');
    await this.compact();
    rmSync(legacyFile, { force: true });
  }

  /** Executions that were running when the runtime last stopped, oldest first. */
  interrupted(): ExecutionRecord[] {
    return this.interruptedRecords.filter((r) => r.status === 'RUNNING');
  }

  get(executionArn: string): ExecutionRecord | undefined {
    return this.byArn.get(executionArn);
  }

  get size(): number {
    return this.byArn.size;
  }

  /** Adds a new running execution and logs its start. */
  addRunning(fields: Omit<ExecutionRecord, 'seq' | 'status'> & { input: string }): ExecutionRecord {
    const record: ExecutionRecord = { ...fields, seq: this.nextSeq++, status: 'RUNNING' };
    this.insert(record);
    this.logStart(record);
    this.evict();
    return record;
  }

  /** Logs that an interrupted execution runs again (same identity). */
  markRestarted(record: ExecutionRecord): void {
    record.status = 'RUNNING';
    delete record.stopDate;
    this.logStart(record);
  }

  /** Records how an execution ended (with its history) and logs it. */
  close(record: ExecutionRecord, end: ExecutionEnd, persist = true): void {
    const { history, ...rest } = end;
    const line: EndLine = { t: 'e', arn: record.executionArn, ...rest };
    this.applyEnd(record, line);
    if (history) record.history = history;
    if (persist) {
      this.append(line);
      if (history) this.historiesDirty = true;
    }
    this.evict();
  }

  /** Records of one state machine, newest first, after the `beforeSeq` cursor. */
  *newestFirst(stateMachineArn: string, beforeSeq = Number.POSITIVE_INFINITY): Generator<ExecutionRecord> {
    const list = this.byMachine.get(stateMachineArn) ?? [];
    let i = list.length - 1;
    if (Number.isFinite(beforeSeq)) {
      let lo = 0;
      let hi = list.length; // first index with seq >= beforeSeq
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if ((list[mid] as ExecutionRecord).seq < beforeSeq) lo = mid + 1;
        else hi = mid;
      }
      i = lo - 1;
    }
    for (; i >= 0; i--) yield list[i] as ExecutionRecord;
  }

  /** Resolves once every start and end recorded so far is durable (see journal.ts). */
  commit(): Promise<void> {
    return this.journal?.commit() ?? Promise.resolve();
  }

  /** Commits the journal and, if new executions finished since the last snapshot, writes the histories. */
  async flush(): Promise<void> {
    await this.commit();
    if (this.historiesDirty) await this.writeHistories();
  }

  /** Final flush; stops the snapshot timer and closes the journal. */
  async shutdown(): Promise<void> {
    if (this.historyTimer) clearInterval(this.historyTimer);
    await this.flush();
    await this.journal?.close();
    this.journal = undefined;
  }

  /** Rewrites histories.jsonl with the histories of the executions that keep details. */
  private writeHistories(): Promise<void> {
    const file = this.historyFile;
    if (!file) return Promise.resolve();
    this.historiesDirty = false;
    this.historyWrite = this.historyWrite.then(async () => {
      const records = this.detailed.slice();
      const parts: string[] = [];
      for (let i = 0; i < records.length; i += HISTORIES_PER_TURN) {
        for (const r of records.slice(i, i + HISTORIES_PER_TURN)) {
          if (r.history)
            parts.push(
              `${JSON.stringify({ arn: r.executionArn, events: r.history.events() } satisfies HistoryLine)}\n`,
            );
        }
        await nextTurn();
      }
      const tmp = `${file}.tmp`;
      await writeFile(tmp, parts.join(''));
      await rename(tmp, file);
    });
    return this.historyWrite;
  }

  /** Checkpoints the journal from memory (only what is still remembered). */
  compact(): Promise<void> {
    return this.journal?.checkpoint(() => this.captureLines()) ?? Promise.resolve();
  }

  private *captureLines(): Generator<StartLine | EndLine> {
    for (const r of this.order) {
      yield {
        t: 's',
        seq: r.seq,
        arn: r.executionArn,
        sm: r.stateMachineArn,
        name: r.name,
        start: r.startDate,
        input: r.input ?? '',
      };
      if (r.status !== 'RUNNING') yield this.endLineOf(r);
    }
  }

  private endLineOf(r: ExecutionRecord): EndLine {
    return {
      t: 'e',
      arn: r.executionArn,
      status: r.status,
      stop: r.stopDate ?? r.startDate,
      ...(r.output !== undefined ? { output: r.output } : {}),
      ...(r.error !== undefined ? { error: r.error } : {}),
      ...(r.cause !== undefined ? { cause: r.cause } : {}),
    };
  }

  private insert(record: ExecutionRecord): void {
    this.byArn.set(record.executionArn, record);
    this.order.push(record);
    const list = this.byMachine.get(record.stateMachineArn);
    if (list) list.push(record);
    else this.byMachine.set(record.stateMachineArn, [record]);
  }

  private applyEnd(record: ExecutionRecord, end: EndLine): void {
    const wasRunning = record.status === 'RUNNING';
    record.status = end.status;
    record.stopDate = end.stop;
    if (end.output !== undefined) record.output = end.output;
    if (end.error !== undefined) record.error = end.error;
    if (end.cause !== undefined) record.cause = end.cause;
    if (end.events !== undefined) record.history = storedHistory(end.events);
    if (wasRunning) this.detailed.push(record);
  }

  private logStart(record: ExecutionRecord): void {
    const line: StartLine = {
      t: 's',
      seq: record.seq,
      arn: record.executionArn,
      sm: record.stateMachineArn,
      name: record.name,
      start: record.startDate,
      input: record.input ?? '',
    };
    this.append(line);
  }

  private append(line: StartLine | EndLine): void {
    if (!this.dir) return;
    if (!this.journal) throw new Error('ExecutionStore.load() must run before executions are recorded');
    this.journal.append(line);
  }

  /** Drops details of old finished executions, then forgets the oldest finished ones. */
  private evict(): void {
    const detailSlack = Math.ceil(this.maxExecutionsWithDetails * 0.1) + 1;
    if (this.detailed.length > this.maxExecutionsWithDetails + detailSlack) {
      const drop = this.detailed.length - this.maxExecutionsWithDetails;
      for (const r of this.detailed.slice(0, drop)) {
        delete r.input;
        delete r.output;
        delete r.history;
        delete r.cause;
      }
      this.detailed = this.detailed.slice(drop);
    }
    const slack = Math.ceil(this.maxExecutions * 0.1) + 1;
    if (this.order.length <= this.maxExecutions + slack) return;
    const keep: ExecutionRecord[] = [];
    let toDrop = this.order.length - this.maxExecutions;
    for (const r of this.order) {
      if (toDrop > 0 && r.status !== 'RUNNING') {
        toDrop -= 1;
        this.byArn.delete(r.executionArn);
      } else keep.push(r);
    }
    this.order = keep;
    for (const [arn, list] of this.byMachine) {
      const remaining = list.filter((r) => this.byArn.has(r.executionArn));
      if (remaining.length > 0) this.byMachine.set(arn, remaining);
      else this.byMachine.delete(arn);
    }
    const detailed = new Set(this.detailed);
    this.detailed = this.detailed.filter((r) => detailed.has(r) && this.byArn.has(r.executionArn));
  }
}

/** The lines of `executions.jsonl`, written by earlier versions (read once, then replaced by the journal). */
function readLegacyLines(file: string): (StartLine | EndLine)[] {
  if (!existsSync(file)) return [];
  const lines: (StartLine | EndLine)[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.length === 0) continue;
    try {
      lines.push(JSON.parse(line) as StartLine | EndLine);
    } catch {
      // a torn last line
    }
  }
  return lines;
}
