/**
 * Every local AWS endpoint and the sign-in provider refuse what a web page can
 * send them (DNS rebinding, cross-site form posts), and still serve the SDK.
 */
import { request } from 'node:http';
import { ListTablesCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ListStateMachinesCommand, SFNClient } from '@aws-sdk/client-sfn';
import { ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalRuntime, type LocalRuntime } from '../../src/local/runtime.ts';
import { startLocalOidcProvider, type LocalOidcProvider } from '../../src/local-stack/local-oidc-provider.ts';

const quiet = { info() {}, warn() {}, error() {} } as never;
let rt: LocalRuntime;
let oidc: LocalOidcProvider;

beforeAll(async () => {
  rt = await startLocalRuntime({ logger: quiet });
  oidc = await startLocalOidcProvider({ pageOrigins: ['http://127.0.0.1:8080'] });
});
afterAll(async () => {
  await oidc?.close();
  await rt?.stop();
});

/** A raw request (the Host header as given), its status and body. */
function send(
  endpoint: string,
  headers: Record<string, string>,
  method = 'POST',
  path = '/',
): Promise<{ status: number; body: string }> {
  const url = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method,
        path,
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end(method === 'POST' ? 'Action=ListQueues' : undefined);
  });
}

const endpointsOf = () =>
  Object.entries({
    gateway: rt.endpoints.gateway,
    'fauxqs (S3, SQS)': rt.endpoints.sqs,
    dynamodb: rt.endpoints.dynamodb,
    stepFunctions: rt.endpoints.stepFunctions,
  });

describe('the local endpoints answer only to loopback names and programs', () => {
  it('each AWS endpoint refuses a rebound name, an Origin and a cross-site fetch with 403 and a reason', async () => {
    for (const [name, endpoint] of endpointsOf()) {
      const port = new URL(endpoint).port;
      const rebound = await send(endpoint, { host: `rebind.evil.example:${port}` });
      expect(rebound.status, name).toBe(403);
      expect(JSON.parse(rebound.body).message, name).toMatch(/answers only to 127\.0\.0\.1/);
      const form = await send(endpoint, { host: `127.0.0.1:${port}`, origin: 'http://evil.example' });
      expect(form.status, name).toBe(403);
      expect(JSON.parse(form.body).message, name).toMatch(/does not take requests from web pages/);
      const page = await send(endpoint, { host: `localhost:${port}`, 'sec-fetch-site': 'cross-site' });
      expect(page.status, name).toBe(403);
    }
  });

  it('the SDK clients still work through the gateway and on each service’s own port', async () => {
    const config = { region: rt.region, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } };
    for (const endpoint of [rt.endpoints.gateway, rt.endpoints.sqs])
      await expect(new SQSClient({ ...config, endpoint }).send(new ListQueuesCommand({}))).resolves.toBeDefined();
    for (const endpoint of [rt.endpoints.gateway, rt.endpoints.dynamodb])
      await expect(new DynamoDBClient({ ...config, endpoint }).send(new ListTablesCommand({}))).resolves.toBeDefined();
    for (const endpoint of [rt.endpoints.gateway, rt.endpoints.stepFunctions])
      await expect(
        new SFNClient({ ...config, endpoint }).send(new ListStateMachinesCommand({})),
      ).resolves.toBeDefined();
  });

  it('the sign-in provider refuses a rebound name and serves its discovery to the page across origins', async () => {
    const rebound = await send(
      oidc.issuer,
      { host: `rebind.evil.example:${oidc.port}` },
      'GET',
      '/.well-known/openid-configuration',
    );
    expect(rebound.status).toBe(403);
    const page = await send(
      oidc.issuer,
      { host: `127.0.0.1:${oidc.port}`, origin: 'http://127.0.0.1:8080', 'sec-fetch-site': 'same-site' },
      'GET',
      '/.well-known/openid-configuration',
    );
    expect(page.status).toBe(200);
    expect(JSON.parse(page.body).issuer).toBe(oidc.issuer);
  });
});
