/**
 * What the two sides of the emulators' thread split share (see
 * emulator-thread.ts and emulator-thread.worker.ts): the `Emulators` API,
 * which `startEmulators()` serves on either thread, and the messages between
 * the main thread and the worker. Both sides import this module and neither
 * imports the other, so the pair has no import cycle.
 */
import type { RequestListener } from 'node:http';
import type { EventLoopUtilization } from 'node:perf_hooks';
import type { MessagePort } from 'node:worker_threads';
import type { Durability } from './journal.ts';

/** The account id in every local ARN and queue URL (fauxqs' default). */
export const LOCAL_ACCOUNT_ID = '000000000000';
export const DEFAULT_REGION = 'us-east-1';

export interface EmulatorPorts {
  /** S3 + SQS (one fauxqs server). 0 = random. */
  readonly fauxqs?: number;
  /** DynamoDB (dynalite). 0 = random. */
  readonly dynamodb?: number;
}

export interface StartEmulatorsOptions {
  /** Persist state here; in-memory when absent. */
  readonly dataDir?: string;
  readonly ports?: EmulatorPorts;
  readonly region?: string;
  /**
   * When a change counts as committed and is acknowledged: `fsync` (default;
   * on disk, survives power loss), `process` (handed to the OS, survives a
   * crash or `kill -9` of the process), `off` (answered before it is written:
   * for measuring the cost only). See journal.ts.
   */
  readonly durability?: Durability;
  /** Checkpoint the SQS journal when its log passes this size. Default 64 MiB. */
  readonly sqsCheckpointAtBytes?: number;
  /** Milliseconds dynalite keeps tables CREATING/UPDATING/DELETING. Default 0. */
  readonly dynamodbTableTransitionMs?: number;
  /** Run the servers on this thread (`main`, the default) or in a worker thread (`worker`). */
  readonly thread?: 'main' | 'worker';
}

export interface CreateQueueOptions {
  readonly attributes?: Record<string, string>;
  /** Sets the queue's RedrivePolicy (the dead-letter queue must exist). */
  readonly deadLetter?: { readonly queueName: string; readonly maxReceiveCount: number };
}

export interface Emulators {
  readonly region: string;
  readonly endpoints: { readonly s3: string; readonly sqs: string; readonly dynamodb: string };
  /** Where the gateway hands requests: to the servers in-process, or proxied to the worker thread's ports. */
  readonly requestListeners: { readonly fauxqs: RequestListener; readonly dynamodb: RequestListener };
  /** Where the servers run. */
  readonly thread: 'main' | 'worker';
  /** True when state is persisted to a data directory. */
  readonly persistent: boolean;
  queueUrl(name: string): string;
  queueArn(name: string): string;
  /** Creates a queue (idempotent: an existing queue keeps its messages; its attributes are updated). */
  createQueue(name: string, options?: CreateQueueOptions): { queueUrl: string; queueArn: string };
  /** Creates a bucket (idempotent). */
  createBucket(name: string): void;
  /** Resolves when every SQS change so far is committed (no-op when not persistent). */
  flush(): Promise<void>;
  /**
   * How busy the servers' worker thread has been since it started; undefined
   * when they run on the caller's thread (`thread: 'main'`).
   */
  eventLoopUtilization(): EventLoopUtilization | undefined;
  stop(): Promise<void>;
}

// ---- messages between the main thread and the emulators' worker ----

/** Sent by the worker once the servers listen (or failed to start). */
export interface WorkerReady {
  readonly type: 'ready';
  readonly endpoints: Emulators['endpoints'];
  readonly region: string;
  readonly persistent: boolean;
}
export interface WorkerFailed {
  readonly type: 'failed';
  readonly message: string;
}

/** Synchronous calls (setup): answered on the sync port, then the flag is set. */
export type SyncCall =
  | { readonly method: 'createQueue'; readonly name: string; readonly options?: CreateQueueOptions }
  | { readonly method: 'createBucket'; readonly name: string };
export type SyncReply =
  | { readonly ok: true; readonly result?: unknown }
  | { readonly ok: false; readonly message: string };

/** Asynchronous calls: answered with the same id on the worker's own channel. */
export interface AsyncCall {
  readonly id: number;
  readonly method: 'flush' | 'stop';
}
export type AsyncReply = { readonly type: 'reply'; readonly id: number; readonly error?: string };

export interface WorkerInit {
  readonly options: Omit<StartEmulatorsOptions, 'thread'>;
  readonly syncPort: MessagePort;
  readonly syncFlag: SharedArrayBuffer;
}
