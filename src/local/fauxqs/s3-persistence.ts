/**
 * Write-through disk persistence for fauxqs' in-memory S3 store.
 *
 * Layout under `dir`: one folder per bucket; each object is two files named by
 * the SHA-256 of its key: `<hash>.bin` (the bytes) and `<hash>.json` (key,
 * content type, ETag, last-modified, user metadata). The JSON file is written
 * last (and atomically, via rename), so it marks a complete object.
 *
 * Writes are synchronous inside the store call, so an object acknowledged to
 * a client has been handed to the OS (it survives `kill -9`); with
 * `sync: true` the files and their folder are also fsynced before the store
 * call returns (it survives power loss). S3 traffic here is light (models,
 * snapshots), so the blocking write is acceptable; all objects are also held
 * in memory (fauxqs).
 */
import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { join } from 'node:path';
import type { FauxqsS3Object, FauxqsS3Store } from './internals.ts';

interface StoredObjectMeta {
  readonly key: string;
  readonly contentType: string;
  readonly etag: string;
  readonly lastModified: number;
  readonly metadata: Record<string, string>;
}

/** S3 bucket naming rules (lower-case letters, digits, dots, hyphens): never a path. */
const SAFE_BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,62}$/;

const objectFileBase = (key: string): string => createHash('sha256').update(key).digest('hex');

function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function writeAtomic(path: string, data: Buffer | string, sync: boolean): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, data);
  if (sync) fsyncPath(tmp);
  renameSync(tmp, path);
  if (sync) fsyncPath(dirname(path));
}

/** Loads every persisted bucket/object into `store`. Call before wrapping it. */
export function restoreS3Store(store: FauxqsS3Store, dir: string): { buckets: number; objects: number } {
  let buckets = 0;
  let objects = 0;
  if (!existsSync(dir)) return { buckets, objects };
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const bucket = entry.name;
    store.createBucket(bucket);
    buckets += 1;
    const bucketDir = join(dir, bucket);
    for (const file of readdirSync(bucketDir)) {
      if (!file.endsWith('.json')) continue;
      const base = file.slice(0, -'.json'.length);
      const binPath = join(bucketDir, `${base}.bin`);
      if (!existsSync(binPath)) continue;
      const meta = JSON.parse(readFileSync(join(bucketDir, file), 'utf8')) as StoredObjectMeta;
      const obj = store.putObject(bucket, meta.key, readFileSync(binPath), meta.contentType, meta.metadata);
      obj.etag = meta.etag;
      obj.lastModified = new Date(meta.lastModified);
      objects += 1;
    }
  }
  return { buckets, objects };
}

/**
 * Wraps the mutating methods of `store` (on the instance) so every change is
 * also applied to `dir`. fauxqs' own `deleteObjects` calls `this.deleteObject`,
 * so it is covered too.
 */
export function attachS3WriteThrough(store: FauxqsS3Store, dir: string, options: { sync?: boolean } = {}): void {
  const sync = options.sync ?? false;
  mkdirSync(dir, { recursive: true });
  const bucketDir = (bucket: string): string => {
    if (!SAFE_BUCKET_NAME.test(bucket)) throw new Error(`unsafe bucket name for the local data dir: ${bucket}`);
    return join(dir, bucket);
  };
  const writeObject = (bucket: string, obj: FauxqsS3Object): void => {
    const base = join(bucketDir(bucket), objectFileBase(obj.key));
    mkdirSync(bucketDir(bucket), { recursive: true });
    writeAtomic(`${base}.bin`, obj.body, sync);
    const meta: StoredObjectMeta = {
      key: obj.key,
      contentType: obj.contentType,
      etag: obj.etag,
      lastModified: obj.lastModified.getTime(),
      metadata: obj.metadata,
    };
    writeAtomic(`${base}.json`, JSON.stringify(meta), sync);
  };
  const removeObject = (bucket: string, key: string): void => {
    const base = join(bucketDir(bucket), objectFileBase(key));
    rmSync(`${base}.json`, { force: true });
    rmSync(`${base}.bin`, { force: true });
    if (sync && existsSync(bucketDir(bucket))) fsyncPath(bucketDir(bucket));
  };
  const emptyDir = (bucket: string): void => {
    rmSync(bucketDir(bucket), { recursive: true, force: true });
    mkdirSync(bucketDir(bucket), { recursive: true });
  };

  const original = {
    createBucket: store.createBucket.bind(store),
    deleteBucket: store.deleteBucket.bind(store),
    putObject: store.putObject.bind(store),
    deleteObject: store.deleteObject.bind(store),
    completeMultipartUpload: store.completeMultipartUpload.bind(store),
    emptyBucket: store.emptyBucket.bind(store),
    clearObjects: store.clearObjects.bind(store),
    purgeAll: store.purgeAll.bind(store),
  };
  store.createBucket = (name) => {
    original.createBucket(name);
    mkdirSync(bucketDir(name), { recursive: true });
  };
  store.deleteBucket = (name) => {
    original.deleteBucket(name);
    rmSync(bucketDir(name), { recursive: true, force: true });
  };
  store.putObject = (bucket, key, body, contentType, metadata) => {
    const obj = original.putObject(bucket, key, body, contentType, metadata);
    writeObject(bucket, obj);
    return obj;
  };
  store.deleteObject = (bucket, key) => {
    original.deleteObject(bucket, key);
    removeObject(bucket, key);
  };
  store.completeMultipartUpload = (uploadId, parts) => {
    const bucket = store.multipartUploads.get(uploadId)?.bucket;
    const obj = original.completeMultipartUpload(uploadId, parts);
    if (bucket !== undefined) writeObject(bucket, obj);
    return obj;
  };
  store.emptyBucket = (name) => {
    original.emptyBucket(name);
    if (store.hasBucket(name)) emptyDir(name);
  };
  store.clearObjects = () => {
    original.clearObjects();
    for (const { name } of store.listBuckets()) emptyDir(name);
  };
  store.purgeAll = () => {
    original.purgeAll();
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
  };
}
