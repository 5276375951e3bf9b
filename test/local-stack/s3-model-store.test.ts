import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulators, type Emulators } from '../../src/local/emulators.ts';
import { S3ModelStore } from '../../src/model-store/s3-model-store.ts';

let emulators: Emulators;
let store: S3ModelStore;
beforeAll(async () => {
  emulators = await startEmulators();
  const s3 = new S3Client({
    endpoint: emulators.endpoints.s3,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    forcePathStyle: true,
  });
  await s3.send(new CreateBucketCommand({ Bucket: 'models' }));
  store = new S3ModelStore(s3, 'models');
});
afterAll(() => emulators.stop());

describe('S3ModelStore.putObject with a body in chunks (big feedback snapshots)', () => {
  it('streams chunks past the multipart threshold into one object, byte for byte', async () => {
    // 12 chunks of 1 MiB (+ 1 byte each): over the 8 MiB threshold, so a multipart upload of a stream.
    const chunks = Array.from({ length: 12 }, (_, i) => new Uint8Array(1024 * 1024 + 1).fill(97 + i));
    await store.putObject('feedback/snapshots/big.jsonl', chunks, 'application/x-ndjson');
    const back = await store.getObject('feedback/snapshots/big.jsonl');
    expect(back.length).toBe(12 * (1024 * 1024 + 1));
    expect(Buffer.from(back).equals(Buffer.concat(chunks))).toBe(true);
  });

  it('puts a small body in chunks as one object', async () => {
    await store.putObject(
      'feedback/snapshots/small.jsonl',
      [Buffer.from('{"a":1}\n'), Buffer.from('{"a":2}\n')],
      'application/x-ndjson',
    );
    expect(new TextDecoder().decode(await store.getObject('feedback/snapshots/small.jsonl'))).toBe(
      '{"a":1}\n{"a":2}\n',
    );
  });
});
