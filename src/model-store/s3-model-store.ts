import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Readable } from 'node:stream';
import { Upload } from '@aws-sdk/lib-storage';
import { isAwsError } from '../aws/errors.ts';
import {
  ArtifactFormatError,
  MODEL_FILES,
  parseManifest,
  type ModelManifest,
  type PackagedModel,
} from '../model/artifact.ts';
import { TriageError } from '../errors.ts';

/** `models/<version>/<file>`: model versions are immutable once written. */
export const modelKey = (version: string, file: string): string => `models/${version}/${file}`;

export class ModelNotFoundError extends TriageError {
  override readonly name = 'ModelNotFoundError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'InvalidInput', options);
  }
}

const MULTIPART_THRESHOLD = 8 * 1024 * 1024;

const VERSION_PATTERN = /^[A-Za-z0-9._-]{1,128}$/;

/** Model versions in S3. */
export class S3ModelStore {
  constructor(
    private readonly s3: S3Client,
    readonly bucket: string,
  ) {}

  /** Writes a model version: parts first, the manifest last (a version with a manifest is complete). */
  async put(model: PackagedModel): Promise<void> {
    const { version } = model.manifest;
    if (!VERSION_PATTERN.test(version))
      throw new ArtifactFormatError(`model version "${version}" is not a valid S3 path segment`);
    const files = Object.entries(model.files).filter(([name]) => name !== MODEL_FILES.manifest);
    await Promise.all(
      files.map(([name, bytes]) => this.putObject(modelKey(version, name), bytes, 'application/octet-stream')),
    );
    await this.putObject(
      modelKey(version, MODEL_FILES.manifest),
      model.files[MODEL_FILES.manifest]!,
      'application/json',
    );
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

  /**
   * Large objects (model parts of a big vocabulary, feedback snapshots) go up
   * in 8 MiB multipart chunks. A body given as chunks (JSON lines of a big
   * snapshot) is streamed as it is, never joined into one buffer or string.
   */
  async putObject(key: string, body: Uint8Array | string | readonly Uint8Array[], contentType: string): Promise<void> {
    const length =
      typeof body === 'string' || body instanceof Uint8Array ? body.length : body.reduce((sum, c) => sum + c.length, 0);
    if (length <= MULTIPART_THRESHOLD) {
      const whole = typeof body === 'string' || body instanceof Uint8Array ? body : Buffer.concat(body);
      await this.s3.send(
        new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: whole, ContentType: contentType }),
      );
      return;
    }
    const stream = typeof body === 'string' || body instanceof Uint8Array ? body : Readable.from(body);
    await new Upload({
      client: this.s3,
      params: { Bucket: this.bucket, Key: key, Body: stream, ContentType: contentType },
      partSize: MULTIPART_THRESHOLD,
      queueSize: 2,
    }).done();
  }

  async getObject(key: string, what = key): Promise<Uint8Array> {
    try {
      const response = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return await response.Body!.transformToByteArray();
    } catch (error) {
      if (isAwsError(error, 'NoSuchKey')) {
        throw new ModelNotFoundError(`${what} is not in s3://${this.bucket}/${key}`);
      }
      throw error;
    }
  }
}
