/**
 * Execution records with bounded memory, persisted as JSON lines.
 *
 * - Every execution keeps a small summary (ARN, name, status, dates) for up to
 *   `maxExecutions` executions (the oldest finished ones are forgotten first);
 *   that is what makes name de-duplication and ListExecutions work.
 * - Only the newest `maxExecutionsWithDetails` finished executions keep their
 *   input, output and history (itself capped at `maxEventsPerExecution`).
 * - With a directory, `executions.jsonl` gets a `start` line when an execution
 *   starts and an `end` line when it closes (status, dates, output, error;
 *   buffered, appended in batches); the file is rewritten from memory when it
 *   grows past `compactAtBytes` and on load. An execution with a `start` line
 *   and no `end` line was interrupted by a stop or crash of the runtime (see
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
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { appendFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { ExecutionStatus } from '@aws-sdk/client-sfn';
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
  /** Rewrite the JSONL file once it is larger than this. Default 64 MiB. */
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

const FLUSH_INTERVAL_MS = 100;
/** Histories formatted per event-loop turn when writing the snapshot (keeps the loop responsive). */
const HISTORIES_PER_TURN = 50;
const FLUSH_AT_BYTES = 1 << 20;

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

  private readonly file: string | undefined;
  private readonly historyFile: string | undefined;
  private historiesDirty = false;
  private historyWrite: Promise<void> = Promise.resolve();
  private readonly historyTimer: NodeJS.Timeout | undefined;
  private buffer: string[] = [];
  private bufferBytes = 0;
  private fileBytes = 0;
  private io: Promise<void> = Promise.resolve();
  private flushTimer: NodeJS.Timeout | undefined;
  private interruptedRecords: ExecutionRecord[] = [];

  constructor(dir: string | undefined, limits: ExecutionStoreLimits = {}) {
    this.maxExecutions = limits.maxExecutions ?? 50_000;
    this.maxExecutionsWithDetails = limits.maxExecutionsWithDetails ?? 1_000;
    this.maxEventsPerExecution = limits.maxEventsPerExecution ?? 1_000;
    this.compactAtBytes = limits.compactAtBytes ?? 64 << 20;
    if (dir) {
      mkdirSync(dir, { recursive: true });
      this.file = join(dir, 'executions.jsonl');
      this.historyFile = join(dir, 'histories.jsonl');
      this.historyTimer = setInterval(() => {
        if (this.historiesDirty)
          this.writeHistories().catch((err: unknown) => console.error('[local-runtime] history snapshot failed:', err));
      }, limits.historySnapshotMs ?? 10_000);
      this.historyTimer.unref();
    }
  }

  /** Loads the JSONL file (if any) and rewrites it compactly. */
  async load(): Promise<void> {
    if (!this.file || !existsSync(this.file)) return;
    const lines = readFileSync(this.file, 'utf8').split('\n');
    for (const line of lines) {
      if (line.length === 0) continue;
      let parsed: StartLine | EndLine;
      try {
        parsed = JSON.parse(line) as StartLine | EndLine;
      } catch {
        continue; // a torn last line after a crash
      }
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

  /** Writes buffered lines and, if new executions finished since the last snapshot, the histories. */
  async flush(): Promise<void> {
    await this.flushLines();
    if (this.historiesDirty) await this.writeHistories();
  }

  /** Final flush; stops the snapshot timer. */
  async shutdown(): Promise<void> {
    if (this.historyTimer) clearInterval(this.historyTimer);
    await this.flush();
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

  /** Writes buffered lines now. */
  private flushLines(): Promise<void> {
    if (this.flushTimer) {
      clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
    }
    if (!this.file || this.buffer.length === 0) return this.io;
    const chunk = this.buffer.join('');
    const file = this.file;
    this.buffer = [];
    this.bufferBytes = 0;
    this.io = this.io.then(async () => {
      await appendFile(file, chunk);
      this.fileBytes += Buffer.byteLength(chunk);
      if (this.fileBytes > this.compactAtBytes) await this.rewrite();
    });
    return this.io;
  }

  /** Rewrites the file from memory (only what is still remembered). */
  compact(): Promise<void> {
    this.io = this.io.then(() => this.rewrite());
    return this.io;
  }

  private async rewrite(): Promise<void> {
    if (!this.file) return;
    const lines: string[] = [];
    for (const r of this.order) {
      const start: StartLine = {
        t: 's',
        seq: r.seq,
        arn: r.executionArn,
        sm: r.stateMachineArn,
        name: r.name,
        start: r.startDate,
        input: r.input ?? '',
      };
      lines.push(JSON.stringify(start));
      if (r.status !== 'RUNNING') lines.push(JSON.stringify(this.endLineOf(r)));
    }
    // Lines buffered meanwhile are appended after the rewritten file, so nothing is lost.
    const text = lines.length > 0 ? `${lines.join('\n')}\n` : '';
    const tmp = `${this.file}.tmp`;
    await writeFile(tmp, text);
    await rename(tmp, this.file);
    this.fileBytes = existsSync(this.file) ? statSync(this.file).size : 0;
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
    if (!this.file) return;
    const text = `${JSON.stringify(line)}\n`;
    this.buffer.push(text);
    this.bufferBytes += text.length;
    if (this.bufferBytes >= FLUSH_AT_BYTES) void this.flushLines();
    else if (!this.flushTimer) {
      this.flushTimer = setTimeout(() => void this.flushLines(), FLUSH_INTERVAL_MS);
      this.flushTimer.unref();
    }
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
