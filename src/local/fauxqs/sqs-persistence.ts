/**
 * Snapshot persistence for fauxqs' in-memory SQS store.
 *
 * fauxqs cannot persist queues. We save a JSON snapshot of every queue (name,
 * attributes, tags, messages with their receive counts) to `file` periodically
 * while SQS traffic changes it, and on stop; on start the snapshot is loaded
 * back. Messages that were in flight are restored as visible (their consumers
 * died with the process), as SQS would after their visibility timeout.
 *
 * Limits (documented): a crash loses at most the last snapshot interval of
 * queue changes (messages sent after it are lost, messages deleted after it
 * come back: consumers must be idempotent, as with SQS anyway); the FIFO
 * deduplication window is not persisted.
 */
import { existsSync, readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import type { FauxqsSqsMessage, FauxqsSqsQueue, FauxqsSqsStore } from './internals.ts';

interface QueueSnapshot {
  readonly name: string;
  readonly arn: string;
  readonly createdTimestamp: number;
  readonly attributes: Record<string, string>;
  readonly tags: Record<string, string>;
  /** Ready and in-flight messages (standard queues), oldest first. */
  readonly messages: FauxqsSqsMessage[];
  readonly delayed: FauxqsSqsMessage[];
  /** FIFO queues: messages per message group, in order. */
  readonly fifoGroups?: [string, FauxqsSqsMessage[]][];
  readonly fifoDelayed?: [string, FauxqsSqsMessage[]][];
  readonly sequenceCounter?: number;
}

interface SqsSnapshot {
  readonly version: 1;
  readonly savedAt: number;
  readonly queues: QueueSnapshot[];
}

function snapshotQueue(queue: FauxqsSqsQueue): QueueSnapshot {
  const inflight = [...queue.inflightMessages.values()].map((e) => e.message);
  const tags = Object.fromEntries(queue.tags);
  if (!queue.isFifo()) {
    return {
      name: queue.name,
      arn: queue.arn,
      createdTimestamp: queue.createdTimestamp,
      attributes: { ...queue.attributes },
      tags,
      messages: [...inflight, ...queue.messages],
      delayed: [...queue.delayedMessages],
    };
  }
  const groups = new Map<string, FauxqsSqsMessage[]>();
  for (const [group, msgs] of queue.fifoMessages) groups.set(group, [...msgs]);
  for (const msg of inflight) {
    const group = msg.messageGroupId ?? '__default';
    groups.set(group, [msg, ...(groups.get(group) ?? [])]);
  }
  return {
    name: queue.name,
    arn: queue.arn,
    createdTimestamp: queue.createdTimestamp,
    attributes: { ...queue.attributes },
    tags,
    messages: [],
    delayed: [],
    fifoGroups: [...groups],
    fifoDelayed: [...queue.fifoDelayed].map(([g, m]) => [g, [...m]]),
    sequenceCounter: queue.sequenceCounter,
  };
}

/** Serialises every queue of `store`. */
export function snapshotSqsStore(store: FauxqsSqsStore): string {
  const snapshot: SqsSnapshot = { version: 1, savedAt: Date.now(), queues: store.listQueues().map(snapshotQueue) };
  return JSON.stringify(snapshot);
}

/** Writes a snapshot atomically (temp file + rename). */
export async function saveSqsSnapshot(store: FauxqsSqsStore, file: string): Promise<void> {
  const tmp = `${file}.tmp`;
  await writeFile(tmp, snapshotSqsStore(store));
  await rename(tmp, file);
}

/**
 * Re-creates the queues of a snapshot in `store`, with URLs from `queueUrl`.
 * Returns the number of queues and messages restored.
 */
export function restoreSqsStore(
  store: FauxqsSqsStore,
  file: string,
  queueUrl: (name: string) => string,
): { queues: number; messages: number } {
  if (!existsSync(file)) return { queues: 0, messages: 0 };
  const snapshot = JSON.parse(readFileSync(file, 'utf8')) as SqsSnapshot;
  if (snapshot.version !== 1) throw new Error(`unsupported SQS snapshot version in ${file}`);
  let messages = 0;
  for (const q of snapshot.queues) {
    const queue = store.createQueue(q.name, queueUrl(q.name), q.arn, q.attributes, q.tags);
    queue.createdTimestamp = q.createdTimestamp;
    if (q.fifoGroups) {
      queue.fifoMessages = new Map(q.fifoGroups);
      queue.fifoDelayed = new Map(q.fifoDelayed ?? []);
      queue.sequenceCounter = q.sequenceCounter ?? 0;
      for (const [, msgs] of q.fifoGroups) messages += msgs.length;
    } else {
      queue.messages = q.messages;
      queue.delayedMessages = q.delayed;
      messages += q.messages.length + q.delayed.length;
    }
  }
  return { queues: snapshot.queues.length, messages };
}
