/**
 * Execution records with bounded memory, persisted as JSON lines.
 *
 * - Every execution keeps a small summary (ARN, name, status, dates) for up to
 *   `maxExecutions` executions (the oldest finished ones are forgotten first);
 *   that is what makes name de-duplication and ListExecutions work.
 * - Only the newest `maxExecutionsWithDetails` finished executions keep their
 *   input, output and history (itself capped at `maxEventsPerExecution`).
 * - With a directory, `executions.jsonl` gets a `start` line when an execution
 *   starts and an `end` line when it closes (buffered, appended in batches);
 *   the file is rewritten from memory when it grows past `compactAtBytes` and
 *   on load. An execution with a `start` line and no `end` line was
 *   interrupted by a stop or crash of the runtime (see `interrupted()`).
 */
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { appendFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExecutionStatus } from '@aws-sdk/client-sfn';
import type { StoredHistoryEvent } from './history.ts';

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
  events?: StoredHistoryEvent[];
  eventsTruncated?: boolean;
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
  events?: StoredHistoryEvent[];
  truncated?: boolean;
};

const FLUSH_INTERVAL_MS = 100;
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

  /** Records how an execution ended, with its (capped) history, and logs it. */
  close(record: ExecutionRecord, end: Omit<EndLine, 't' | 'arn'>, persist = true): void {
    const line: EndLine = { t: 'e', arn: record.executionArn, ...end };
    this.applyEnd(record, line);
    if (persist) this.append(line);
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

  /** Writes buffered lines now. */
  flush(): Promise<void> {
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
        t: 's', seq: r.seq, arn: r.executionArn, sm: r.stateMachineArn, name: r.name, start: r.startDate, input: r.input ?? '',
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
      ...(r.events !== undefined ? { events: r.events } : {}),
      ...(r.eventsTruncated ? { truncated: true } : {}),
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
    if (end.events !== undefined) record.events = end.events;
    if (end.truncated) record.eventsTruncated = true;
    if (wasRunning) this.detailed.push(record);
  }

  private logStart(record: ExecutionRecord): void {
    const line: StartLine = {
      t: 's', seq: record.seq, arn: record.executionArn, sm: record.stateMachineArn, name: record.name,
      start: record.startDate, input: record.input ?? '',
    };
    this.append(line);
  }

  private append(line: StartLine | EndLine): void {
    if (!this.file) return;
    const text = `${JSON.stringify(line)}\n`;
    this.buffer.push(text);
    this.bufferBytes += text.length;
    if (this.bufferBytes >= FLUSH_AT_BYTES) void this.flush();
    else if (!this.flushTimer) {
      this.flushTimer = setTimeout(() => void this.flush(), FLUSH_INTERVAL_MS);
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
        delete r.events;
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
