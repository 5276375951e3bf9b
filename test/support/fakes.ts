import type { FeedbackEntry } from '../../src/storage/feedback.ts';
import {
  PointerConflictError,
  UnknownModelVersionError,
  type InServicePointer,
  type ModelRecord,
  type ModelRegistry,
  type ModelStatus,
  type PointerChange,
} from '../../src/model-store/registry.ts';
import { MODEL_FILES, parseManifest, type ModelManifest, type PackagedModel } from '../../src/model/artifact.ts';
import { ModelNotFoundError, modelKey, type S3ModelStore } from '../../src/model-store/s3-model-store.ts';

/**
 * In-memory stand-ins for the stores, behind the narrow interfaces the code
 * declares (`Pick<ModelRegistry, ...>` and the like), for unit tests where a
 * whole stack is not the point. They keep the stores' rules that the code
 * relies on (the pointer moves only from the expected version; an unknown
 * version is refused); the workflow tests run the real stores.
 */
export class InMemoryRegistry
  implements Pick<ModelRegistry, 'get' | 'inService' | 'list' | 'movePointer' | 'setStatus' | 'register'>
{
  readonly records = new Map<string, ModelRecord>();
  pointer: InServicePointer | undefined;
  /** Runs just before the pointer moves (a test makes another promotion win the race here). */
  beforeMove: (() => void) | undefined;

  constructor(records: readonly ModelRecord[] = []) {
    for (const record of records) this.records.set(record.version, record);
  }

  async register(record: ModelRecord): Promise<void> {
    this.records.set(record.version, record);
  }

  async get(version: string): Promise<ModelRecord | undefined> {
    return this.records.get(version);
  }

  async list(): Promise<ModelRecord[]> {
    return [...this.records.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  async inService(): Promise<InServicePointer | undefined> {
    return this.pointer;
  }

  async setStatus(version: string, status: ModelStatus, reason: string, extra: Partial<ModelRecord> = {}) {
    const record = this.records.get(version);
    if (!record) throw new UnknownModelVersionError(`model version ${version} is not in the registry`);
    this.records.set(version, {
      ...record,
      ...extra,
      status,
      statusReason: reason,
      statusAt: new Date().toISOString(),
    });
  }

  async movePointer(version: string, expected: string | undefined, reason: string): Promise<InServicePointer> {
    if (!this.records.has(version))
      throw new UnknownModelVersionError(`model version ${version} is not in the registry`);
    this.beforeMove?.();
    const current = this.pointer;
    if (current?.modelVersion !== expected)
      throw new PointerConflictError(
        `the model in service is ${current?.modelVersion ?? 'none'}, not ${expected ?? 'none'}`,
      );
    const at = new Date().toISOString();
    const change: PointerChange = { modelVersion: version, ...(expected && { previousVersion: expected }), at, reason };
    this.pointer = {
      modelVersion: version,
      revision: (current?.revision ?? 0) + 1,
      ...(expected && { previousVersion: expected }),
      promotedAt: at,
      reason,
      history: [change, ...(current?.history ?? [])],
    };
    return this.pointer;
  }
}

/** A model record as the registry holds it, with what a test does not care about filled in. */
export function modelRecord(version: string, fields: Partial<ModelRecord> = {}): ModelRecord {
  return { version, profile: 'reference', createdAt: '2026-11-28T10:00:00.000Z', status: 'candidate', ...fields };
}

/** The objects of a model bucket, in memory. */
export class InMemoryObjects implements Pick<S3ModelStore, 'getObject' | 'putObject'> {
  readonly objects = new Map<string, Uint8Array>();

  async putObject(key: string, body: Uint8Array | string | readonly Uint8Array[]): Promise<void> {
    this.objects.set(
      key,
      typeof body === 'string'
        ? new TextEncoder().encode(body)
        : body instanceof Uint8Array
          ? body
          : new Uint8Array(Buffer.concat(body)),
    );
  }

  async getObject(key: string): Promise<Uint8Array> {
    const bytes = this.objects.get(key);
    if (!bytes) throw new Error(`no object ${key}`);
    return bytes;
  }

  text(key: string): string | undefined {
    const bytes = this.objects.get(key);
    return bytes && new TextDecoder().decode(bytes);
  }
}

/** The feedback index, in memory: the entries retraining reads. */
export const feedbackEntries = (entries: readonly FeedbackEntry[]) => ({
  async *entries(): AsyncGenerator<FeedbackEntry> {
    yield* entries;
  },
});

/**
 * Model versions in memory, read as S3ModelStore reads them: the manifest
 * parsed and checked, a missing object is {@link ModelNotFoundError}.
 */
export class InMemoryModelStore implements Pick<S3ModelStore, 'manifest' | 'part' | 'getObject'> {
  readonly objects = new Map<string, Uint8Array>();

  put(model: PackagedModel): void {
    for (const [file, bytes] of Object.entries(model.files))
      this.objects.set(modelKey(model.manifest.version, file), bytes);
  }

  async manifest(version: string): Promise<ModelManifest> {
    const bytes = await this.getObject(modelKey(version, MODEL_FILES.manifest), `model version ${version}`);
    return parseManifest(new TextDecoder().decode(bytes));
  }

  async part(manifest: ModelManifest, part: 'vectorizer' | 'classifier'): Promise<Uint8Array> {
    return this.getObject(
      modelKey(manifest.version, manifest.parts[part].file),
      `${part} of model version ${manifest.version}`,
    );
  }

  async getObject(key: string, what = key): Promise<Uint8Array> {
    const bytes = this.objects.get(key);
    if (!bytes) throw new ModelNotFoundError(`${what} is not in memory://${key}`);
    return bytes;
  }
}
