/**
 * In-process AWS-compatible servers: S3 + SQS (fauxqs) and DynamoDB (dynalite),
 * listening on 127.0.0.1. With a `dataDir`, state survives restarts:
 *
 * - DynamoDB: dynalite's own LevelDB store (`<dataDir>/dynamodb`).
 * - S3: fauxqs is memory-only, so its store is wrapped with write-through disk
 *   persistence (`<dataDir>/s3`, see fauxqs/s3-persistence.ts).
 * - SQS: fauxqs is memory-only, so every change is journaled
 *   (`<dataDir>/sqs/`, see fauxqs/sqs-persistence.ts and journal.ts) and a
 *   request that changed SQS is answered only once its change is committed.
 *
 * `durability` says what "committed" means for all three: `fsync` (default:
 * on disk, survives power loss), `process` (handed to the OS, survives a
 * crash or `kill -9` of this process), `off` (answered before it is written:
 * for measuring the cost only).
 *
 * Queue URLs are `http://127.0.0.1:<port>/000000000000/<name>`; a request for
 * any URL whose last path segment names an existing queue is accepted (as SQS
 * accepts its several URL forms), so URLs that survive a restart on another
 * port still work.
 *
 * `thread: 'worker'` runs the same servers in a worker thread (see
 * emulator-thread.ts): still HTTP on 127.0.0.1, but their request handling,
 * LevelDB and snapshot work run on another core than the Lambda handlers,
 * the interpreter and the SDK clients.
 */
import { mkdirSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import dynalite from 'dynalite';
import { buildApp, type BuildAppOptions } from 'fauxqs';
import { cacheParsedConditions } from './dynalite-conditions.ts';
import { answerWritesWhenDurable, LevelDbLogFlusher, readDynamoDbInline } from './dynalite-leveldb.ts';
import { loadFauxqsStoreClasses, type FauxqsSqsRouterClass, type FauxqsSqsStore } from './fauxqs/internals.ts';
import { attachS3WriteThrough, restoreS3Store } from './fauxqs/s3-persistence.ts';
import {
  captureSqsStore,
  DedupLedger,
  InvocationSends,
  journalQueueMetadata,
  journalSqsChanges,
  readLegacySnapshot,
  restoreSqsStore,
  type SqsRecord,
} from './fauxqs/sqs-persistence.ts';
import { DEFAULT_REGION, LOCAL_ACCOUNT_ID, type Emulators, type StartEmulatorsOptions } from './emulator-protocol.ts';
import { closeServer, endpointUrl, listen, LOOPBACK_HOST } from './http-util.ts';
import { INVOCATION_HEADER } from './invocation-identity.ts';
import { Journal, journalExists } from './journal.ts';
import { guardServer, loopbackRefusal } from './loopback-guard.ts';

export {
  DEFAULT_REGION,
  LOCAL_ACCOUNT_ID,
  type CreateQueueOptions,
  type EmulatorPorts,
  type Emulators,
  type StartEmulatorsOptions,
} from './emulator-protocol.ts';

/** SQS operations answered without waiting for the journal (they change nothing, or only receive counts). */
const SQS_NO_COMMIT_OPS = new Set([
  'GetQueueUrl',
  'GetQueueAttributes',
  'ListQueues',
  'ListQueueTags',
  'ReceiveMessage',
  'ChangeMessageVisibility',
  'ChangeMessageVisibilityBatch',
]);
const SQS_TAG_OPS = new Set(['TagQueue', 'UntagQueue']);

/** The queue name in any SQS queue URL form (its last path segment). */
const queueNameOfUrl = (url: string): string => url.slice(url.lastIndexOf('/') + 1);

export async function startEmulators(options: StartEmulatorsOptions = {}): Promise<Emulators> {
  if (options.thread === 'worker') {
    const { startEmulatorsInWorker } = await import('./emulator-thread.ts');
    return startEmulatorsInWorker(options);
  }
  const region = options.region ?? DEFAULT_REGION;
  const dataDir = options.dataDir;
  const { SqsStore, S3Store, SnsStore, SqsRouter } = await loadFauxqsStoreClasses();

  // --- S3 + SQS (fauxqs) ---
  const sqsStore = new SqsStore();
  sqsStore.region = region;
  const s3Store = new S3Store();
  let fauxqsPort = 0;
  const queueUrl = (name: string): string => `${endpointUrl(fauxqsPort)}/${LOCAL_ACCOUNT_ID}/${name}`;
  const queueArn = (name: string): string => `arn:aws:sqs:${region}:${LOCAL_ACCOUNT_ID}:${name}`;
  makeQueueUrlsCanonical(sqsStore, queueUrl);

  const durability = options.durability ?? 'fsync';
  let journal: Journal<SqsRecord> | undefined;
  const dedupIds = new DedupLedger();
  const sends = new InvocationSends();
  if (dataDir) {
    trackInvocations(SqsRouter);
    const s3Dir = join(dataDir, 's3');
    restoreS3Store(s3Store, s3Dir);
    attachS3WriteThrough(s3Store, s3Dir, { sync: durability === 'fsync' });
    const sqsDir = join(dataDir, 'sqs');
    const legacyFile = join(sqsDir, 'queues.json');
    const legacy = journalExists(sqsDir, 'sqs') ? [] : readLegacySnapshot(legacyFile);
    const opened = Journal.open<SqsRecord>(sqsDir, 'sqs', {
      durability,
      ...(options.sqsCheckpointAtBytes !== undefined ? { checkpointAtBytes: options.sqsCheckpointAtBytes } : {}),
    });
    journal = opened.journal;
    restoreSqsStore(sqsStore, [...legacy, ...opened.records], queueUrl, dedupIds, sends);
    journalSqsChanges(sqsStore, journal, dedupIds, sends);
    const sqsJournal = journal;
    const checkpoint = (): Promise<void> => sqsJournal.checkpoint(() => captureSqsStore(sqsStore, dedupIds, sends));
    sqsJournal.onCheckpointDue(() => {
      checkpoint().catch((err: unknown) => console.error('[local-runtime] SQS checkpoint failed:', err));
    });
    // One base to start from next time (and the old snapshot file folded in).
    await checkpoint();
    rmSync(legacyFile, { force: true });
  }

  const app = buildApp({
    logger: false,
    defaultRegion: region,
    stores: { sqsStore, s3Store, snsStore: new SnsStore() } as unknown as NonNullable<BuildAppOptions['stores']>,
  });
  if (journal) {
    const sqsJournal = journal;
    // Acknowledged means durable: a request that changed SQS is answered once its change is committed.
    app.addHook('onSend', async (request, _reply, payload) => {
      const target = request.headers['x-amz-target'];
      if (typeof target !== 'string' || !target.startsWith('AmazonSQS.')) return payload;
      const operation = target.slice('AmazonSQS.'.length);
      if (SQS_NO_COMMIT_OPS.has(operation)) return payload;
      if (SQS_TAG_OPS.has(operation)) journalQueueMetadata(sqsStore, sqsJournal);
      await sqsJournal.commit();
      return payload;
    });
  }
  // Loopback names only, no web pages (see loopback-guard.ts); also for requests the gateway hands on.
  app.addHook('onRequest', async (request, reply) => {
    const reason = loopbackRefusal(request.headers, { browsers: 'refuse' });
    if (reason === undefined) return;
    await reply
      .code(403)
      .header('x-amzn-errortype', 'AccessDeniedException')
      .header('connection', 'close')
      .send({ __type: 'AccessDeniedException', message: reason });
  });
  // fauxqs' startFauxqs() always binds 0.0.0.0; buildApp() + listen lets us bind loopback only.
  await app.listen({ port: options.ports?.fauxqs ?? 0, host: LOOPBACK_HOST });
  fauxqsPort = (app.server.address() as AddressInfo).port;

  const flush = (): Promise<void> => journal?.commit() ?? Promise.resolve();

  // --- DynamoDB (dynalite) ---
  const transitionMs = options.dynamodbTableTransitionMs ?? 0;
  const dynamoDir = dataDir && join(dataDir, 'dynamodb');
  if (dynamoDir) mkdirSync(dynamoDir, { recursive: true });
  readDynamoDbInline();
  cacheParsedConditions();
  const dynamoServer = dynalite({
    ...(dynamoDir ? { path: dynamoDir } : {}),
    createTableMs: transitionMs,
    deleteTableMs: transitionMs,
    updateTableMs: transitionMs,
  });
  const levelDbFlusher = dynamoDir && durability === 'fsync' ? new LevelDbLogFlusher(dynamoDir) : undefined;
  if (levelDbFlusher)
    answerWritesWhenDurable(dynamoServer, levelDbFlusher, (err) =>
      console.error('[local-runtime] DynamoDB flush failed:', err),
    );
  guardServer(dynamoServer, { browsers: 'refuse' });
  let dynamoPort: number;
  try {
    dynamoPort = await listen(dynamoServer, options.ports?.dynamodb ?? 0);
  } catch (err) {
    await app.close();
    await journal?.close();
    throw err;
  }

  const sqsEndpoint = endpointUrl(fauxqsPort);
  return {
    region,
    endpoints: { s3: sqsEndpoint, sqs: sqsEndpoint, dynamodb: endpointUrl(dynamoPort) },
    requestListeners: {
      fauxqs: (req, res) => void app.server.emit('request', req, res),
      dynamodb: (req, res) => void dynamoServer.emit('request', req, res),
    },
    thread: 'main',
    persistent: dataDir !== undefined,
    queueUrl,
    queueArn,
    createQueue(name, opts = {}) {
      const attributes: Record<string, string> = { ...opts.attributes };
      if (opts.deadLetter) {
        attributes.RedrivePolicy = JSON.stringify({
          deadLetterTargetArn: queueArn(opts.deadLetter.queueName),
          maxReceiveCount: opts.deadLetter.maxReceiveCount,
        });
      }
      const existing = sqsStore.getQueueByName(name);
      if (existing) existing.setAttributes(attributes);
      else sqsStore.createQueue(name, queueUrl(name), queueArn(name), attributes);
      return { queueUrl: queueUrl(name), queueArn: queueArn(name) };
    },
    createBucket(name) {
      s3Store.createBucket(name);
    },
    flush,
    // On the caller's thread: its own event loop is what there is to read.
    eventLoopUtilization: () => undefined,
    async stop() {
      await app.close();
      if (journal) {
        const sqsJournal = journal;
        await sqsJournal.checkpoint(() => captureSqsStore(sqsStore, dedupIds, sends));
        await sqsJournal.close();
      }
      await closeServer(dynamoServer);
      levelDbFlusher?.close();
    },
  };
}

const tracking = Symbol.for('ticket-triage.local.sqs-invocations');

/**
 * fauxqs calls an action's handler synchronously inside `SqsRouter.handle`:
 * the sends it makes belong to the request's invocation (header), if any.
 * Installed once per thread.
 */
function trackInvocations(SqsRouter: FauxqsSqsRouterClass): void {
  const proto = SqsRouter.prototype as FauxqsSqsRouterClass['prototype'] & Record<symbol, boolean>;
  if (proto[tracking]) return;
  const handle = proto.handle;
  proto.handle = function handleAsInvocation(this: unknown, request, reply) {
    const header = request.headers[INVOCATION_HEADER];
    const key = typeof header === 'string' ? decodeURIComponent(header) : undefined;
    return InvocationSends.during(key, () => handle.call(this, request, reply));
  };
  proto[tracking] = true;
}

/**
 * Every queue URL fauxqs hands out becomes `queueUrl(name)`, and a lookup by
 * a URL fauxqs does not know falls back to the queue name in it.
 */
function makeQueueUrlsCanonical(store: FauxqsSqsStore, queueUrl: (name: string) => string): void {
  const getQueue = store.getQueue.bind(store);
  store.buildQueueUrl = (queueName) => queueUrl(queueName);
  store.getQueue = (url) => getQueue(url) ?? store.getQueueByName(queueNameOfUrl(url));
}
