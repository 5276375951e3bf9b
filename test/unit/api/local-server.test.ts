import { request as httpRequest } from 'node:http';
import { DescribeExecutionCommand, ListExecutionsCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReviewApi, type ReviewApiDeps } from '../../../src/api/review-api.ts';
import { checkLocalRequest } from '../../../src/local-stack/request-guard.ts';
import { startHttpApiServer, type HttpApiServer } from '../../../src/local-stack/http-api-server.ts';
import { createWebPageHandler } from '../../../src/web/static-files.ts';
import { InMemoryObjects, InMemoryRegistry } from '../../support/fakes.ts';
import { lambdaContext } from '../../support/lambda.ts';

/**
 * The local HTTP server (src/local-stack/http-api-server.ts) as a hostile web
 * page or a confused client would use it: real HTTP requests on 127.0.0.1 to
 * the real server, the real review API router and the real page files; the
 * stores behind the API are in-memory (no stack). Each request is written by
 * hand (node:http), so Host, Origin and Sec-Fetch-* are exactly what a browser
 * or an attacker would send.
 */
const retrainsStarted: string[] = [];

const deps = (): ReviewApiDeps => ({
  predictions: { list: async () => ({ items: [] }) },
  feedback: {
    get: async () => undefined,
    submit: async () => {
      throw new Error('not in these tests');
    },
    undo: async () => {
      throw new Error('not in these tests');
    },
    stats: async () => ({ total: 0, confirmed: 0, corrected: 0, reviewedToday: 0 }) as never,
  },
  registry: new InMemoryRegistry(),
  store: new InMemoryObjects() as never,
  manifest: async () => {
    throw new Error('not in these tests');
  },
  sfn: {
    send: (async (command: unknown) => {
      if (command instanceof ListExecutionsCommand) return { executions: [] };
      if (command instanceof DescribeExecutionCommand)
        throw Object.assign(new Error('no such run'), { name: 'ExecutionDoesNotExist' });
      if (command instanceof StartExecutionCommand) {
        retrainsStarted.push(command.input.name!);
        return { executionArn: `arn:aws:states:us-east-1:000000000000:execution:retrain:${command.input.name}` };
      }
      throw new Error('not in these tests');
    }) as never,
  },
  stateMachines: { 'retrain-model': 'arn:aws:states:us-east-1:000000000000:stateMachine:retrain' },
});

const api = createReviewApi(deps);
let server: HttpApiServer;

beforeAll(async () => {
  server = await startHttpApiServer({
    invoke: (event) => api(event, lambdaContext('review-api')),
    fallback: createWebPageHandler(),
  });
});
afterAll(async () => server?.close());

interface Sent {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

/** One request as written (no header added but Host, unless `headers` sets it). */
function send({ method = 'GET', path, headers = {}, body }: Sent) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>(
    (resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port: server.port,
          method,
          path,
          setHost: false,
          headers: {
            host: `127.0.0.1:${server.port}`,
            ...headers,
            ...(body !== undefined && { 'content-length': String(Buffer.byteLength(body)) }),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
          );
        },
      );
      req.on('error', reject);
      req.end(body);
    },
  );
}

const message = (body: string) => (JSON.parse(body) as { message: string }).message;

describe('cross-site state changes are refused', () => {
  it('a text/plain POST /api/retrain (what a form or a no-cors fetch sends) is refused with 415 and starts nothing', async () => {
    const before = retrainsStarted.length;
    const answer = await send({
      method: 'POST',
      path: '/api/retrain',
      headers: { 'content-type': 'text/plain;charset=UTF-8' },
      body: '{"by":"evil"}',
    });
    expect(answer.status).toBe(415);
    expect(message(answer.body)).toMatch(/must be JSON sent with content-type: application\/json \(not text\/plain/);
    for (const type of [
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/octet-stream',
    ]) {
      const other = await send({ method: 'POST', path: '/api/retrain', headers: { 'content-type': type }, body: '{}' });
      expect(other.status, type).toBe(415);
    }
    expect((await send({ method: 'POST', path: '/api/retrain', body: '{}' })).status).toBe(415);
    expect(retrainsStarted.length).toBe(before);
  });

  it('a POST from a page of another origin is refused with 403 (Origin, or Sec-Fetch-Site), even as JSON', async () => {
    const json = { 'content-type': 'application/json' };
    const before = retrainsStarted.length;
    for (const headers of <Record<string, string>[]>[
      { origin: 'https://evil.example' },
      { origin: 'null' },
      { origin: `http://127.0.0.1:${server.port + 1}` },
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' },
    ]) {
      const answer = await send({ method: 'POST', path: '/api/retrain', headers: { ...json, ...headers }, body: '{}' });
      expect(answer.status, JSON.stringify(headers)).toBe(403);
      expect(message(answer.body)).toMatch(/is refused: only the review page served here .*may change things/);
    }
    // An empty-bodied cross-site POST (no content type to check) is refused too.
    expect(
      (await send({ method: 'POST', path: '/api/retrain', headers: { 'sec-fetch-site': 'cross-site' } })).status,
    ).toBe(403);
    expect(retrainsStarted.length).toBe(before);
  });

  it('the page itself (same origin) and programs without Origin (curl, the CLI) may POST JSON', async () => {
    const own = await send({
      method: 'POST',
      path: '/api/retrain',
      headers: {
        'content-type': 'application/json',
        origin: `http://127.0.0.1:${server.port}`,
        'sec-fetch-site': 'same-origin',
      },
      body: '{"by":"ana"}',
    });
    expect(own.status).toBe(202);
    const program = await send({ method: 'POST', path: '/api/retrain' });
    expect(program.status).toBe(202);
  });

  it('a page of another site cannot load the API as a subresource; a plain navigation may', async () => {
    const embedded = await send({
      path: '/api/stats',
      headers: { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors', 'sec-fetch-dest': 'script' },
    });
    expect(embedded.status).toBe(403);
    const navigated = await send({
      path: '/api/stats',
      headers: { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate' },
    });
    expect(navigated.status).toBe(200);
  });
});

describe('foreign Host headers are refused (DNS rebinding)', () => {
  it.each(['evil.example:8080', 'evil.example', 'localhost.evil.example', '127.0.0.1', '127.0.0.2'])(
    'Host: %s is refused with 403, for the API and the page',
    async (host) => {
      for (const path of ['/api/predictions', '/', '/app.js']) {
        const answer = await send({ path, headers: { host } });
        expect(answer.status, path).toBe(403);
        expect(answer.body).not.toContain('items');
        expect(message(answer.body)).toMatch(
          /this server answers only to 127\.0\.0\.1:\d+, localhost:\d+, \[::1\]:\d+/,
        );
      }
    },
  );

  it('a Host on another port is refused; 127.0.0.1, localhost and [::1] with the port are served', async () => {
    expect((await send({ path: '/api/stats', headers: { host: `127.0.0.1:${server.port + 1}` } })).status).toBe(403);
    for (const name of ['127.0.0.1', 'localhost', 'LOCALHOST', '[::1]'])
      expect((await send({ path: '/api/stats', headers: { host: `${name}:${server.port}` } })).status, name).toBe(200);
  });

  it('a request target that is not a path is refused with 400', async () => {
    const answer = await send({ path: `http://evil.example:${server.port}/api/stats` });
    expect(answer.status).toBe(400);
  });
});

describe('malformed paths and encodings: 400 or 404, never 500', () => {
  it.each([
    ['/api/predictions/%zz', 400],
    ['/api/predictions/%E0%A4%A', 400],
    ['/api/predictions/%', 400],
    ['/api/runs/%zz', 400],
    ['/api/nothing/%E0%A4%A', 400],
    ['/vendor/__proto__', 404],
    ['/vendor/constructor', 404],
    ['/vendor/hasOwnProperty', 404],
    ['/vendor/%zz', 400],
    ['/index.html/x', 404],
    [`/${'a'.repeat(5000)}`, 404],
    ['/api/predictions/__proto__', 404],
    ['/api/models/__proto__', 404],
    ['/api/workflows/constructor', 404],
    ['/api/runs/__proto__', 404],
    ['/api/predictions?__proto__=x&constructor=y', 200],
    ['/api/predictions?limit=__proto__', 400],
  ])('%s -> %i', async (path, status) => {
    const answer = await send({ path });
    expect(answer.status).toBe(status);
  });
});

describe('X-Content-Type-Options: nosniff on every response', () => {
  it.each([
    ['GET', '/api/stats', undefined, 200],
    ['GET', '/api/nothing', undefined, 404],
    ['DELETE', '/api/stats', undefined, 405],
    ['GET', '/api/predictions/%zz', undefined, 400],
    ['POST', '/api/retrain', 'x', 415],
    ['GET', '/', undefined, 200],
    ['GET', '/vendor/preact.mjs', undefined, 200],
    ['GET', '/nothing.js', undefined, 404],
  ] as const)('%s %s', async (method, path, body, status) => {
    const answer = await send({ method, path, ...(body !== undefined && { body }) });
    expect(answer.status).toBe(status);
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
  });

  it('on the refusals of the server itself', async () => {
    const answer = await send({ path: '/api/stats', headers: { host: 'evil.example' } });
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
  });
});

describe('the request guard (pure)', () => {
  const port = 8080;
  it('lets the page, the CLI and navigations through', () => {
    expect(checkLocalRequest({ url: '/api/stats', headers: { host: 'localhost:8080' } }, port)).toBeUndefined();
    expect(
      checkLocalRequest(
        {
          method: 'PUT',
          url: '/api/predictions/T/feedback',
          headers: { host: '[::1]:8080', origin: 'http://[::1]:8080', 'sec-fetch-site': 'same-origin' },
        },
        port,
      ),
    ).toBeUndefined();
    expect(checkLocalRequest({ method: 'DELETE', url: '/api/x', headers: { host: '127.0.0.1:8080' } }, port)).toBe(
      undefined,
    );
  });

  it('refuses a missing Host and the default port unless the server is on 80', () => {
    expect(checkLocalRequest({ url: '/', headers: {} }, port)?.code).toBe('Forbidden');
    expect(checkLocalRequest({ url: '/', headers: { host: 'localhost' } }, port)?.code).toBe('Forbidden');
    expect(checkLocalRequest({ url: '/', headers: { host: 'localhost' } }, 80)).toBeUndefined();
  });
});

describe('the API behind API Gateway (the handler alone) has the same content-type and nosniff rules', () => {
  it('415 for a text/plain body, nosniff on the answer', async () => {
    const { apiGatewayEvent } = await import('../../support/api-events.ts');
    const event = apiGatewayEvent('POST', '/api/retrain', { rawBody: '{}' });
    event.headers = { 'content-type': 'text/plain' };
    const result = await api(event, lambdaContext('review-api'));
    expect(result.statusCode).toBe(415);
    expect(result.headers?.['x-content-type-options']).toBe('nosniff');
  });
});
