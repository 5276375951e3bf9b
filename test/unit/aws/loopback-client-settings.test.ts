import { describe, expect, it } from 'vitest';
import {
  isLoopbackEndpoint,
  localClientSettings,
  unsignedLocalSigner,
} from '../../../src/aws/loopback-client-settings.ts';

describe('SDK client settings for the local servers', () => {
  it('apply to loopback endpoints only', () => {
    for (const url of ['http://127.0.0.1:4566', 'http://localhost:8000', 'http://[::1]:9000', 'https://127.1.2.3']) {
      expect(isLoopbackEndpoint(url), url).toBe(true);
    }
    for (const url of [
      undefined,
      'https://sqs.us-east-1.amazonaws.com',
      'http://10.0.0.5:4566',
      'http://127.0.0.1.example.com',
      'not a url',
    ]) {
      expect(isLoopbackEndpoint(url), String(url)).toBe(false);
    }
    expect(localClientSettings('sqs', undefined)).toEqual({});
    expect(localClientSettings('dynamodb', 'https://dynamodb.eu-west-1.amazonaws.com')).toEqual({});
  });

  it('skip signing, MD5 and checksums locally; never cache DynamoDB middleware (lib-dynamodb)', () => {
    const sqs = localClientSettings('sqs', 'http://127.0.0.1:1234');
    expect(sqs).toMatchObject({
      md5: false,
      cacheMiddleware: true,
      signer: unsignedLocalSigner,
      requestChecksumCalculation: 'WHEN_REQUIRED',
    });
    expect(localClientSettings('dynamodb', 'http://127.0.0.1:1234')).not.toHaveProperty('cacheMiddleware');
    expect(localClientSettings('s3', 'http://127.0.0.1:1234')).not.toHaveProperty('signer');
  });

  it('give requests the AWS4 headers the local servers look at, with no signature', async () => {
    const request = { headers: {} as Record<string, string> };
    await unsignedLocalSigner.sign(request, {
      signingDate: new Date('2026-01-02T03:04:05.678Z'),
      signingRegion: 'eu-west-1',
      signingService: 'dynamodb',
    });
    expect(request.headers['x-amz-date']).toBe('20260102T030405Z');
    expect(request.headers.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=local/20260102/eu-west-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=UNSIGNED-LOCAL',
    );
  });
});
