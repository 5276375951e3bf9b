import { spawnSync } from 'node:child_process';
import { SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import {
  isLoopbackEndpoint,
  localClientSettings,
  unsignedLocalSigner,
  tuneLocalClient,
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

  it('answer the configured endpoint without the rule set, except for S3 (whose rules put the bucket in the path)', async () => {
    for (const service of ['sqs', 'sfn', 'dynamodb'] as const) {
      const { endpointProvider } = localClientSettings(service, 'http://127.0.0.1:4567') as {
        endpointProvider: () => { url: URL };
      };
      expect(endpointProvider().url.href, service).toBe('http://127.0.0.1:4567/');
    }
    expect(localClientSettings('s3', 'http://127.0.0.1:4567')).not.toHaveProperty('endpointProvider');
    expect(localClientSettings('sqs', 'https://sqs.eu-west-1.amazonaws.com')).not.toHaveProperty('endpointProvider');
  });

  it('drop the User-Agent middleware of loopback clients only', () => {
    const client = (endpoint: string) =>
      new SQSClient({ region: 'eu-west-1', endpoint, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const names = (c: SQSClient) => c.middlewareStack.identify().join(' ');
    expect(names(tuneLocalClient('sqs', client('http://127.0.0.1:4567'), 'http://127.0.0.1:4567'))).not.toContain(
      'getUserAgentMiddleware',
    );
    const remote = 'https://sqs.eu-west-1.amazonaws.com';
    expect(names(tuneLocalClient('sqs', client(remote), remote))).toContain('getUserAgentMiddleware');
  });

  it("give a loopback client's config fast properties in V8, keeping the object (checked with V8's own test function)", () => {
    // %HasFastProperties needs --allow-natives-syntax: a child process, the same module through tsx.
    const script = `
      import { SQSClient } from '@aws-sdk/client-sqs';
      import { tuneLocalClient } from './src/aws/loopback-client-settings.ts';
      const isFast = new Function('o', 'return %HasFastProperties(o)');
      const make = (endpoint) => new SQSClient({ region: 'eu-west-1', endpoint, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
      const local = make('http://127.0.0.1:4567'); const config = local.config;
      const before = isFast(config);
      tuneLocalClient('sqs', local, 'http://127.0.0.1:4567');
      const remote = make('https://sqs.eu-west-1.amazonaws.com');
      tuneLocalClient('sqs', remote, 'https://sqs.eu-west-1.amazonaws.com');
      console.log(JSON.stringify({ before, after: isFast(local.config), same: local.config === config, remote: isFast(remote.config) }));`;
    const child = spawnSync(
      process.execPath,
      ['--allow-natives-syntax', '--import', 'tsx', '--input-type=module', '-e', script],
      {
        encoding: 'utf8',
        cwd: new URL('../../../', import.meta.url).pathname,
        env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      },
    );
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toEqual({ before: false, after: true, same: true, remote: false });
  });
});
