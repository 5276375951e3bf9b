/**
 * Durable SQS for fauxqs (which keeps everything in memory).
 *
 * Every change to the store becomes a record in a write-ahead journal
 * (journal.ts) the moment fauxqs makes it: a queue created, changed or
 * deleted, a message put (sent, or moved to a dead-letter queue), received
 * (its receive count), deleted, a queue purged, a FIFO deduplication id used.
 * The server answers a request that changed SQS only after the journal has
 * committed it (see emulators.ts), so a message whose SendMessage succeeded,
 * or whose DeleteMessage succeeded, stays sent or deleted through `kill -9`.
 *
 * Replaying the records rebuilds the queues. Messages that were in flight come
 * back visible (their consumers died with the process), as SQS would make them
 * after their visibility timeout; receive counts are kept, so a message that
 * keeps failing still reaches its dead-letter queue. A checkpoint is the same
 * record language (the queues, then every message), so restoring one is a
 * replay too.
 *
 * Not journaled: visibility changes (in-flight messages come back visible on a
 * restart anyway). Receive counts are journaled but not waited for, so a crash
 * can undo the last receives' counts (one more delivery, never one less).
 * FIFO deduplication ids are kept for their 5-minute window, which restarts at
 * the restart.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Journal } from '../journal.ts';
import type { FauxqsSqsMessage, FauxqsSqsQueue, FauxqsSqsStore } from './internals.ts';

/** One change to the SQS store. */
export type SqsRecord =
  | {
      readonly o: 'queue';
      readonly name: string;
      readonly arn: string;
      readonly created: number;
      readonly attributes: Record<string, string>;
      readonly tags: Record<string, string>;
    }
  | { readonly o: 'drop'; readonly name: string }
  /** `inv`: the send's key when a Task's Lambda invocation made it (see InvocationSends). */
  | { readonly o: 'put'; readonly q: string; readonly m: FauxqsSqsMessage; readonly inv?: string }
  /** A send made by an invocation whose message is gone (in a checkpoint: the key stays known). */
  | { readonly o: 'sent'; readonly k: string; readonly at: number }
  /** Receive counts after a receive: [messageId, count, first receive time]. */
  | { readonly o: 'recv'; readonly q: string; readonly r: [string, number, number | undefined][] }
  | { readonly o: 'del'; readonly q: string; readonly id: string }
  | { readonly o: 'purge'; readonly q: string }
  | {
      readonly o: 'dedup';
      readonly q: string;
      readonly k: string;
      readonly id: string;
      readonly seq?: string;
      readonly at: number;
    };

const DEDUP_WINDOW_MS = 5 * 60 * 1000;

const queueRecord = (queue: FauxqsSqsQueue): SqsRecord => ({
  o: 'queue',
  name: queue.name,
  arn: queue.arn,
  created: queue.createdTimestamp,
  attributes: { ...queue.attributes },
  tags: Object.fromEntries(queue.tags),
});

/** Messages of a queue in the order a restore should put them back (in flight first, as they are oldest). */
function messagesOf(queue: FauxqsSqsQueue): FauxqsSqsMessage[] {
  const inflight = [...queue.inflightMessages.values()].map((e) => e.message);
  if (!queue.isFifo()) return [...inflight, ...queue.messages, ...queue.delayedMessages];
  const out = [...inflight];
  for (const msgs of queue.fifoMessages.values()) out.push(...msgs);
  for (const msgs of queue.fifoDelayed.values()) out.push(...msgs);
  return out;
}

/** The whole store as records (a checkpoint). Synchronous: a consistent picture. */
export function* captureSqsStore(
  store: FauxqsSqsStore,
  dedupIds: DedupLedger,
  sends: InvocationSends,
): Generator<SqsRecord> {
  for (const queue of store.listQueues()) {
    yield queueRecord(queue);
    for (const m of messagesOf(queue)) yield { o: 'put', q: queue.name, m };
    for (const entry of dedupIds.live(queue.name)) yield entry;
  }
  yield* sends.live();
}

/** The invocation whose request fauxqs is handling right now (its handlers are synchronous). */
let activeInvocation: string | undefined;

/** How long the keys of invocations' sends are kept: longer than any Task may run (classify-ticket: 300 s). */
const INVOCATION_SEND_TTL_MS = 30 * 60 * 1000;

/**
 * The sends made by Step Functions Tasks' Lambda invocations, by key
 * `<invocation>|<queue>|<n>` (the invocation's n-th send to that queue), so
 * that the re-run of an invocation a crash cut short does not send again what
 * it had sent (see ../invocation-identity.ts). The invocation is known while
 * fauxqs' router calls an action's handler (synchronously), from the
 * request's `x-local-invocation` header.
 */
export class InvocationSends {
  private readonly sent = new Map<string, number>();
  /** Sends so far per invocation and queue, in this run. */
  private readonly counters = new Map<string, { at: number; perQueue: Map<string, number> }>();
  private lastPrune = Date.now();

  /** Runs `fn` (fauxqs' handling of one request) as invocation `key`. */
  static during<T>(key: string | undefined, fn: () => T): T {
    activeInvocation = key;
    try {
      return fn();
    } finally {
      activeInvocation = undefined;
    }
  }

  /**
   * For a message being put on `queue` now: its send key, and whether that
   * send was already made (then the message must not be put again).
   */
  claim(queue: string): { key: string; repeat: boolean } | undefined {
    const invocation = activeInvocation;
    if (invocation === undefined) return undefined;
    const now = Date.now();
    this.prune(now);
    let counter = this.counters.get(invocation);
    if (!counter) {
      counter = { at: now, perQueue: new Map() };
      this.counters.set(invocation, counter);
    }
    const n = (counter.perQueue.get(queue) ?? 0) + 1;
    counter.perQueue.set(queue, n);
    const key = `${invocation}|${queue}|${n}`;
    if (this.sent.has(key)) return { key, repeat: true };
    this.sent.set(key, now);
    return { key, repeat: false };
  }

  /**
   * Restores a send's key. Its time starts again now: the invocations a crash
   * cut short run again right after the restart, however long the runtime
   * was down.
   */
  restore(key: string): void {
    this.sent.set(key, Date.now());
  }

  *live(): Generator<SqsRecord> {
    this.prune(Date.now(), true);
    for (const [k, at] of this.sent) yield { o: 'sent', k, at };
  }

  private prune(now: number, force = false): void {
    if (!force && now - this.lastPrune < 60_000) return;
    this.lastPrune = now;
    const oldest = now - INVOCATION_SEND_TTL_MS;
    for (const [k, at] of this.sent) if (at < oldest) this.sent.delete(k);
    for (const [k, c] of this.counters) if (c.at < oldest) this.counters.delete(k);
  }
}

/** FIFO deduplication ids with the time they were used (fauxqs' cache does not say). */
export class DedupLedger {
  private readonly byQueue = new Map<string, Map<string, Extract<SqsRecord, { o: 'dedup' }>>>();
  add(entry: Extract<SqsRecord, { o: 'dedup' }>): void {
    let map = this.byQueue.get(entry.q);
    if (!map) {
      map = new Map();
      this.byQueue.set(entry.q, map);
    }
    map.set(entry.k, entry);
  }
  drop(queue: string): void {
    this.byQueue.delete(queue);
  }
  *live(queue: string): Generator<Extract<SqsRecord, { o: 'dedup' }>> {
    const map = this.byQueue.get(queue);
    if (!map) return;
    const oldest = Date.now() - DEDUP_WINDOW_MS;
    for (const [k, entry] of map) {
      if (entry.at < oldest) map.delete(k);
      else yield entry;
    }
  }
}

interface QueueState {
  meta: Extract<SqsRecord, { o: 'queue' }>;
  messages: Map<string, FauxqsSqsMessage>;
}

/**
 * Rebuilds `store` from records (a checkpoint and the log after it), with
 * queue URLs from `queueUrl`. Returns the number of queues and messages.
 */
export function restoreSqsStore(
  store: FauxqsSqsStore,
  records: Iterable<SqsRecord>,
  queueUrl: (name: string) => string,
  dedupIds: DedupLedger,
  sends: InvocationSends,
): { queues: number; messages: number } {
  const queues = new Map<string, QueueState>();
  /** Which queue holds each message (a dead-letter move puts it elsewhere). */
  const where = new Map<string, string>();
  const dedups: Extract<SqsRecord, { o: 'dedup' }>[] = [];
  for (const r of records) {
    switch (r.o) {
      case 'queue': {
        const existing = queues.get(r.name);
        if (existing) existing.meta = r;
        else queues.set(r.name, { meta: r, messages: new Map() });
        break;
      }
      case 'drop': {
        const q = queues.get(r.name);
        if (q) for (const id of q.messages.keys()) where.delete(id);
        queues.delete(r.name);
        break;
      }
      case 'sent':
        sends.restore(r.k);
        break;
      case 'put': {
        if (r.inv !== undefined) sends.restore(r.inv);
        const target = queues.get(r.q);
        if (!target) break;
        const from = where.get(r.m.messageId);
        if (from !== undefined) queues.get(from)?.messages.delete(r.m.messageId);
        target.messages.set(r.m.messageId, { ...r.m });
        where.set(r.m.messageId, r.q);
        break;
      }
      case 'recv': {
        const q = queues.get(r.q);
        if (!q) break;
        for (const [id, count, first] of r.r) {
          const m = q.messages.get(id);
          if (!m) continue;
          m.approximateReceiveCount = Math.max(m.approximateReceiveCount, count);
          if (first !== undefined) m.approximateFirstReceiveTimestamp ??= first;
        }
        break;
      }
      case 'del': {
        if (queues.get(r.q)?.messages.delete(r.id)) where.delete(r.id);
        break;
      }
      case 'purge': {
        const q = queues.get(r.q);
        if (q) for (const id of q.messages.keys()) where.delete(id);
        q?.messages.clear();
        break;
      }
      case 'dedup':
        dedups.push(r);
        break;
    }
  }
  let messages = 0;
  const now = Date.now();
  for (const { meta, messages: msgs } of queues.values()) {
    const queue = store.createQueue(meta.name, queueUrl(meta.name), meta.arn, meta.attributes, meta.tags);
    queue.createdTimestamp = meta.created;
    let sequence = 0;
    for (const m of msgs.values()) {
      messages += 1;
      const delayed = m.delayUntil !== undefined && m.delayUntil > now;
      if (m.sequenceNumber !== undefined) sequence = Math.max(sequence, Number(m.sequenceNumber));
      if (!queue.isFifo()) {
        (delayed ? queue.delayedMessages : queue.messages).push(m);
        continue;
      }
      const groups = delayed ? queue.fifoDelayed : queue.fifoMessages;
      const group = m.messageGroupId ?? '__default';
      const list = groups.get(group);
      if (list) list.push(m);
      else groups.set(group, [m]);
    }
    queue.sequenceCounter = Math.max(queue.sequenceCounter, sequence);
  }
  for (const d of dedups) {
    if (d.at < now - DEDUP_WINDOW_MS) continue;
    const queue = store.getQueueByName(d.q);
    if (!queue) continue;
    queue.recordDeduplication(d.k, d.id, d.seq);
    dedupIds.add(d);
  }
  return { queues: queues.size, messages };
}

/**
 * Makes every later change to `store` (and to the queues in it, present and
 * future) append its record to `journal`. Call after restoring.
 */
export function journalSqsChanges(
  store: FauxqsSqsStore,
  journal: Journal<SqsRecord>,
  dedupIds: DedupLedger,
  sends: InvocationSends,
): void {
  const createQueue = store.createQueue.bind(store);
  const deleteQueue = store.deleteQueue.bind(store);
  store.createQueue = (name, url, arn, attributes, tags) => {
    const queue = createQueue(name, url, arn, attributes, tags);
    instrumentQueue(queue, journal, dedupIds, sends);
    journal.append(queueRecord(queue));
    return queue;
  };
  store.deleteQueue = (url) => {
    const queue = store.getQueue(url);
    const deleted = deleteQueue(url);
    if (deleted && queue) {
      dedupIds.drop(queue.name);
      journal.append({ o: 'drop', name: queue.name });
    }
    return deleted;
  };
  for (const queue of store.listQueues()) instrumentQueue(queue, journal, dedupIds, sends);
}

/** Journals the queue's metadata again (after tags changed, which fauxqs does in place). */
export function journalQueueMetadata(store: FauxqsSqsStore, journal: Journal<SqsRecord>): void {
  for (const queue of store.listQueues()) journal.append(queueRecord(queue));
}

function instrumentQueue(
  queue: FauxqsSqsQueue,
  journal: Journal<SqsRecord>,
  dedupIds: DedupLedger,
  sends: InvocationSends,
): void {
  const name = queue.name;
  const enqueue = queue.enqueue.bind(queue);
  const dequeue = queue.dequeue.bind(queue);
  const deleteMessage = queue.deleteMessage.bind(queue);
  const purge = queue.purge.bind(queue);
  const setAttributes = queue.setAttributes.bind(queue);
  const recordDeduplication = queue.recordDeduplication.bind(queue);
  queue.enqueue = (msg) => {
    const send = msg.approximateReceiveCount === 0 ? sends.claim(name) : undefined;
    if (send?.repeat) return; // this invocation made this send before a crash: it stays made once
    journal.append({ o: 'put', q: name, m: msg, ...(send && { inv: send.key }) });
    enqueue(msg);
  };
  queue.dequeue = (maxCount, visibilityTimeout, dlqResolver) => {
    const received = dequeue(maxCount, visibilityTimeout, dlqResolver);
    if (received.length > 0) {
      const counts: [string, number, number | undefined][] = [];
      for (const { ReceiptHandle } of received) {
        const m = queue.inflightMessages.get(ReceiptHandle)?.message;
        if (m) counts.push([m.messageId, m.approximateReceiveCount, m.approximateFirstReceiveTimestamp]);
      }
      journal.append({ o: 'recv', q: name, r: counts });
    }
    return received;
  };
  queue.deleteMessage = (receiptHandle) => {
    const id = queue.inflightMessages.get(receiptHandle)?.message.messageId;
    const deleted = deleteMessage(receiptHandle);
    if (deleted && id !== undefined) journal.append({ o: 'del', q: name, id });
    return deleted;
  };
  queue.purge = () => {
    purge();
    journal.append({ o: 'purge', q: name });
  };
  queue.setAttributes = (attributes) => {
    setAttributes(attributes);
    journal.append(queueRecord(queue));
  };
  queue.recordDeduplication = (k, id, seq) => {
    recordDeduplication(k, id, seq);
    const entry = { o: 'dedup', q: name, k, id, ...(seq !== undefined ? { seq } : {}), at: Date.now() } as const;
    dedupIds.add(entry);
    journal.append(entry);
  };
}

interface LegacySnapshot {
  readonly version: 1;
  readonly queues: {
    readonly name: string;
    readonly arn: string;
    readonly createdTimestamp: number;
    readonly attributes: Record<string, string>;
    readonly tags: Record<string, string>;
    readonly messages: FauxqsSqsMessage[];
    readonly delayed: FauxqsSqsMessage[];
    readonly fifoGroups?: [string, FauxqsSqsMessage[]][];
    readonly fifoDelayed?: [string, FauxqsSqsMessage[]][];
  }[];
}

/** The records of a `queues.json` snapshot written by earlier versions (read once, then replaced). */
export function readLegacySnapshot(file: string): SqsRecord[] {
  if (!existsSync(file)) return [];
  const snapshot = JSON.parse(readFileSync(file, 'utf8')) as LegacySnapshot;
  if (snapshot.version !== 1) throw new Error(`unsupported SQS snapshot version in ${file}`);
  const records: SqsRecord[] = [];
  for (const q of snapshot.queues) {
    records.push({
      o: 'queue',
      name: q.name,
      arn: q.arn,
      created: q.createdTimestamp,
      attributes: q.attributes,
      tags: q.tags,
    });
    const all = [
      ...q.messages,
      ...q.delayed,
      ...(q.fifoGroups ?? []).flatMap(([, m]) => m),
      ...(q.fifoDelayed ?? []).flatMap(([, m]) => m),
    ];
    for (const m of all) records.push({ o: 'put', q: q.name, m });
  }
  return records;
}
