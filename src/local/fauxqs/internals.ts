/**
 * The one place that reaches into fauxqs internals.
 *
 * fauxqs keeps all state in memory and has no persistence (its README says so).
 * Its public `buildApp({ stores })` accepts the SQS/S3 store objects, but the
 * store classes themselves are not exported from the package root, so we load
 * them from the package's `dist/` files by path. That is why fauxqs is pinned
 * to an exact version (1.9.2) in package.json; the shapes we rely on are typed
 * below and checked at load time, and the restart tests exercise them.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** A message as fauxqs stores it (dist/sqs/sqsTypes.d.ts). */
export interface FauxqsSqsMessage {
  messageId: string;
  body: string;
  md5OfBody: string;
  messageAttributes: Record<string, { DataType: string; StringValue?: string; BinaryValue?: string }>;
  md5OfMessageAttributes: string;
  sentTimestamp: number;
  approximateReceiveCount: number;
  approximateFirstReceiveTimestamp?: number;
  delayUntil?: number;
  messageGroupId?: string;
  messageDeduplicationId?: string;
  sequenceNumber?: string;
}

export interface FauxqsInflightEntry {
  message: FauxqsSqsMessage;
  receiptHandle: string;
  visibilityDeadline: number;
}

/** The parts of fauxqs' `SqsQueue` that persistence reads and restores. */
export interface FauxqsSqsQueue {
  readonly name: string;
  readonly url: string;
  readonly arn: string;
  createdTimestamp: number;
  attributes: Record<string, string>;
  tags: Map<string, string>;
  messages: FauxqsSqsMessage[];
  inflightMessages: Map<string, FauxqsInflightEntry>;
  delayedMessages: FauxqsSqsMessage[];
  fifoMessages: Map<string, FauxqsSqsMessage[]>;
  fifoDelayed: Map<string, FauxqsSqsMessage[]>;
  sequenceCounter: number;
  isFifo(): boolean;
  /** Every message put on the queue goes through here (sends and dead-letter moves). */
  enqueue(msg: FauxqsSqsMessage): void;
  dequeue(
    maxCount: number,
    visibilityTimeoutOverride?: number,
    dlqResolver?: (arn: string) => FauxqsSqsQueue | undefined,
  ): { MessageId: string; ReceiptHandle: string }[];
  deleteMessage(receiptHandle: string): boolean;
  changeVisibility(receiptHandle: string, timeoutSeconds: number): void;
  purge(): void;
  setAttributes(attributes: Record<string, string>): void;
  recordDeduplication(dedupId: string, messageId: string, sequenceNumber?: string): void;
}

/** The parts of fauxqs' `SqsStore` we use. */
export interface FauxqsSqsStore {
  host: string;
  region?: string;
  createQueue(
    name: string,
    url: string,
    arn: string,
    attributes?: Record<string, string>,
    tags?: Record<string, string>,
  ): FauxqsSqsQueue;
  getQueue(url: string): FauxqsSqsQueue | undefined;
  getQueueByName(name: string): FauxqsSqsQueue | undefined;
  getQueueByArn(arn: string): FauxqsSqsQueue | undefined;
  deleteQueue(url: string): boolean;
  listQueues(prefix?: string, maxResults?: number): FauxqsSqsQueue[];
  buildQueueUrl(queueName: string, port: string, requestHost: string, region: string): string;
}

/** An S3 object as fauxqs stores it (dist/s3/s3Types.d.ts). */
export interface FauxqsS3Object {
  key: string;
  body: Buffer;
  contentType: string;
  contentLength: number;
  etag: string;
  lastModified: Date;
  metadata: Record<string, string>;
}

/** The parts of fauxqs' `S3Store` we use (every mutating method is wrapped for write-through). */
export interface FauxqsS3Store {
  createBucket(name: string): void;
  deleteBucket(name: string): void;
  hasBucket(name: string): boolean;
  listBuckets(): { name: string; creationDate: Date }[];
  putObject(
    bucket: string,
    key: string,
    body: Buffer,
    contentType?: string,
    metadata?: Record<string, string>,
  ): FauxqsS3Object;
  deleteObject(bucket: string, key: string): void;
  completeMultipartUpload(uploadId: string, partSpecs: { partNumber: number; etag: string }[]): FauxqsS3Object;
  emptyBucket(name: string): void;
  clearObjects(): void;
  purgeAll(): void;
  /** Private in fauxqs; read to learn the bucket of a multipart upload before it completes. */
  readonly multipartUploads: Map<string, { bucket: string; key: string }>;
}

/** fauxqs' SQS request router: `handle` calls the action's handler synchronously before its first await. */
export interface FauxqsSqsRouterClass {
  readonly prototype: {
    handle(request: { headers: Record<string, string | string[] | undefined> }, reply: unknown): Promise<unknown>;
  };
}

export interface FauxqsStoreClasses {
  readonly SqsRouter: FauxqsSqsRouterClass;
  readonly SqsStore: new () => FauxqsSqsStore;
  readonly S3Store: new () => FauxqsS3Store;
  readonly SnsStore: new () => object;
}

let cached: Promise<FauxqsStoreClasses> | undefined;

function fauxqsDistDir(): string {
  const require = createRequire(import.meta.url);
  for (const dir of require.resolve.paths('fauxqs') ?? []) {
    const candidate = join(dir, 'fauxqs', 'dist');
    if (existsSync(join(candidate, 'app.js'))) return candidate;
  }
  throw new Error('fauxqs is not installed (run npm install)');
}

function assertMethods(what: string, proto: object, methods: readonly string[]): void {
  const missing = methods.filter((m) => typeof (proto as Record<string, unknown>)[m] !== 'function');
  if (missing.length > 0) {
    throw new Error(`fauxqs internals changed: ${what} lacks ${missing.join(', ')} (pin fauxqs to 1.9.2)`);
  }
}

/**
 * The characters SQS accepts in a message body: #x9 | #xA | #xD | #x20-#xD7FF
 * | #xE000-#xFFFD | #x10000-#x10FFFF. fauxqs 1.9.2 tests bodies with a
 * regular expression without the `u` flag, so it refuses every character
 * outside the Basic Multilingual Plane (an emoji, as two surrogates) with
 * `InvalidMessageContents`, which SQS accepts. Its send actions share that one
 * RegExp object: its `test` is replaced by the right rule (which also refuses
 * unpaired surrogates, as SQS does).
 */
export const SQS_INVALID_BODY_CHARACTER = /[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/u;

function acceptWhatSqsAccepts(fauxqsRule: unknown): void {
  if (!(fauxqsRule instanceof RegExp)) throw new Error('fauxqs internals changed: INVALID_MESSAGE_BODY_CHAR not found');
  fauxqsRule.test = (text: string) => SQS_INVALID_BODY_CHARACTER.test(text);
}

/** Loads fauxqs' store classes (cached). */
export function loadFauxqsStoreClasses(): Promise<FauxqsStoreClasses> {
  cached ??= (async () => {
    const dist = fauxqsDistDir();
    const load = (file: string): Promise<Record<string, unknown>> =>
      import(pathToFileURL(join(dist, file)).href) as Promise<Record<string, unknown>>;
    const [sqs, s3, sns, router, sqsTypes] = await Promise.all([
      load('sqs/sqsStore.js'),
      load('s3/s3Store.js'),
      load('sns/snsStore.js'),
      load('sqs/sqsRouter.js'),
      load('sqs/sqsTypes.js'),
    ]);
    acceptWhatSqsAccepts(sqsTypes.INVALID_MESSAGE_BODY_CHAR);
    const classes = {
      SqsRouter: router.SqsRouter as FauxqsStoreClasses['SqsRouter'],
      SqsStore: sqs.SqsStore as FauxqsStoreClasses['SqsStore'],
      S3Store: s3.S3Store as FauxqsStoreClasses['S3Store'],
      SnsStore: sns.SnsStore as FauxqsStoreClasses['SnsStore'],
    };
    for (const [name, cls] of Object.entries(classes)) {
      if (typeof cls !== 'function') throw new Error(`fauxqs internals changed: ${name} not found`);
    }
    assertMethods('SqsRouter', classes.SqsRouter.prototype, ['handle']);
    const probe = new classes.SqsStore().createQueue('probe', 'http://probe/probe', 'arn:probe');
    assertMethods('SqsQueue', Object.getPrototypeOf(probe) as object, [
      'enqueue',
      'dequeue',
      'deleteMessage',
      'purge',
      'setAttributes',
      'recordDeduplication',
      'isFifo',
    ]);
    assertMethods('SqsStore', classes.SqsStore.prototype, [
      'createQueue',
      'deleteQueue',
      'getQueue',
      'getQueueByName',
      'getQueueByArn',
      'listQueues',
      'buildQueueUrl',
    ]);
    assertMethods('S3Store', classes.S3Store.prototype, [
      'createBucket',
      'deleteBucket',
      'putObject',
      'deleteObject',
      'completeMultipartUpload',
      'emptyBucket',
      'clearObjects',
      'purgeAll',
      'listBuckets',
    ]);
    return classes;
  })();
  return cached;
}
