import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { requestIdFor } from '../../../src/local/invocation-identity.ts';

describe('requestIdFor', () => {
  const key = 'arn:aws:states:us-east-1:000000000000:execution:classify-ticket:ticket-42#PublishResult#1';

  it('derives a version-8 UUID from the SHA-256 of the invocation key: the same id after a restart', () => {
    const digest = createHash('sha256').update(key).digest('hex');
    const id = requestIdFor(key);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    // Every hex digit but the version and variant ones comes from the digest, in order.
    const hex = id.replaceAll('-', '');
    expect(hex.slice(0, 12)).toBe(digest.slice(0, 12));
    expect(hex.slice(13, 16)).toBe(digest.slice(13, 16));
    expect(hex.slice(17, 32)).toBe(digest.slice(17, 32));
    expect(requestIdFor(key)).toBe(id);
  });

  it('gives distinct keys distinct ids, and an invocation without a key a random one', () => {
    expect(requestIdFor(`${key}x`)).not.toBe(requestIdFor(key));
    expect(requestIdFor(undefined)).not.toBe(requestIdFor(undefined));
  });
});
