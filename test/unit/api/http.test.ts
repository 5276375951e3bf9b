import type { Middleware } from '@aws-lambda-powertools/event-handler/types';
import { describe, expect, it } from 'vitest';
import * as z from '../../../src/zod.ts';
import { ApiError, booleanParam, createApi, json, parseBody, route, type ApiRoute } from '../../../src/api/http.ts';
import { FeedbackError } from '../../../src/feedback/rules.ts';
import { apiGatewayEvent, type ApiRequest } from '../../support/api-events.ts';
import { lambdaContext } from '../../support/lambda.ts';

/**
 * The review API's HTTP layer (src/api/http.ts) with routes of its own, no
 * stack: routing, the error table, validation and the middleware hooks that
 * authorization and request checks will use.
 */
interface Deps {
  readonly items: string[];
}

const ROUTES: readonly ApiRoute<Deps>[] = [
  route({
    method: 'GET',
    path: '/api/items',
    query: z.object({
      full: z.optional(booleanParam),
      limit: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(5)), 2),
    }),
    handle: (request, deps) =>
      json(200, { items: deps.items.slice(0, request.query.limit), full: request.query.full ?? false }),
  }),
  route({ method: 'GET', path: '/api/items/:id', handle: (request) => json(200, { id: request.params.id }) }),
  route({
    method: 'DELETE',
    path: '/api/items/:id',
    handle: () => {
      throw new FeedbackError('it changed meanwhile', 'Conflict');
    },
  }),
  route({
    method: 'PUT',
    path: '/api/items/:id',
    handle: (request) => json(200, parseBody(z.strictObject({ name: z.string().check(z.minLength(1)) }), request)),
  }),
  route({
    method: 'POST',
    path: '/api/explode',
    handle: () => {
      throw new Error('secret ticket text in a message');
    },
  }),
  route({
    method: 'POST',
    path: '/api/unknown-category',
    handle: () => {
      throw new FeedbackError('not a category', 'UnknownCategory');
    },
  }),
];

function api(options: { middleware?: Middleware[]; routes?: readonly ApiRoute<Deps>[] } = {}) {
  const logs: { level: string; message: string; fields: Record<string, unknown> }[] = [];
  const handler = createApi<Deps>({
    name: 'test API request',
    routes: options.routes ?? ROUTES,
    deps: () => ({ items: ['a', 'b', 'c'] }),
    log: (level, message, fields) => logs.push({ level, message, fields }),
    ...(options.middleware && { middleware: options.middleware }),
  });
  const call = async (method: string, path: string, request: ApiRequest = {}) => {
    const result = await handler(apiGatewayEvent(method, path, request), lambdaContext('test-api'));
    return {
      status: result.statusCode,
      headers: result.headers ?? {},
      body: JSON.parse(result.body) as Record<string, unknown>,
    };
  };
  return { call, logs };
}

describe('routing', () => {
  it('answers a route with its path parameters (decoded) and validated query, as JSON that is not cached', async () => {
    const { call } = api();
    expect(await call('GET', '/api/items/a%2Fb')).toMatchObject({ status: 200, body: { id: 'a/b' } });
    const list = await call('GET', '/api/items', { query: { full: 'true', limit: '1' } });
    expect(list).toMatchObject({ status: 200, body: { items: ['a'], full: true } });
    expect(list.headers).toMatchObject({
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
    });
  });

  it('404 for an unknown path, 405 with Allow for a known path and another method, 400 for a path that does not decode', async () => {
    const { call } = api();
    expect(await call('GET', '/api/nothing')).toMatchObject({
      status: 404,
      body: { error: 'NotFound', message: 'there is no API at GET /api/nothing' },
    });
    expect(await call('POST', '/api/items/x')).toMatchObject({
      status: 405,
      headers: { allow: 'GET, DELETE, PUT' },
      body: { error: 'MethodNotAllowed', message: 'POST is not allowed on /api/items/x (allowed: GET, DELETE, PUT)' },
    });
    expect(await call('GET', '/api/items/%E0%A4%A')).toMatchObject({
      status: 400,
      body: { message: 'the path is not valid URL encoding' },
    });
    expect(await call('GET', '/api/nothing/%E0%A4%A')).toMatchObject({ status: 400 });
  });

  it('400 naming the query parameter or body field; the body must be JSON', async () => {
    const { call } = api();
    expect(await call('GET', '/api/items', { query: { full: 'maybe' } })).toMatchObject({
      status: 400,
      body: { error: 'BadRequest', message: 'query parameter "full": must be true or false' },
    });
    expect((await call('GET', '/api/items', { query: { limit: '9' } })).body.message).toMatch(
      /^query parameter "limit": /,
    );
    expect((await call('PUT', '/api/items/x', { body: { name: '' } })).body.message).toMatch(/^field "name": /);
    expect((await call('PUT', '/api/items/x', { rawBody: '{' })).body.message).toBe(
      'the request body is not valid JSON',
    );
    expect((await call('PUT', '/api/items/x')).body.message).toBe('the request needs a JSON body');
  });
});

describe('errors, by the one table of codes (src/errors.ts)', () => {
  it("the product's errors get their code's status and their message", async () => {
    const { call } = api();
    expect(await call('DELETE', '/api/items/x')).toMatchObject({
      status: 409,
      body: { error: 'Conflict', message: 'it changed meanwhile' },
    });
    expect(await call('POST', '/api/unknown-category')).toMatchObject({
      status: 422,
      body: { error: 'UnknownCategory' },
    });
  });

  it('anything else is a 500 whose message stays in the log (never in the answer)', async () => {
    const { call, logs } = api();
    const answer = await call('POST', '/api/explode');
    expect(answer).toMatchObject({ status: 500, body: { error: 'InternalError' } });
    expect(JSON.stringify(answer.body)).not.toContain('secret');
    expect(logs).toContainEqual(
      expect.objectContaining({
        level: 'error',
        fields: expect.objectContaining({ route: '/api/explode', error: 'Error' }),
      }),
    );
    expect(logs.at(-1)).toMatchObject({
      level: 'info',
      message: 'test API request',
      fields: { route: '/api/explode', status: 500 },
    });
  });
});

describe('middleware: where request checks and authorization go', () => {
  it('an API-wide middleware sees every request first and may refuse it, or change every answer', async () => {
    const seen: string[] = [];
    const requireJson: Middleware = async ({ reqCtx, next }) => {
      seen.push(reqCtx.req.method);
      if (reqCtx.req.method === 'PUT' && !reqCtx.req.headers.get('content-type')?.startsWith('application/json'))
        throw new ApiError('BadRequest', 'a body must be JSON (content-type: application/json)');
      await next();
      reqCtx.res.headers.set('x-content-type-options', 'nosniff');
    };
    const { call } = api({ middleware: [requireJson] });
    const answer = await call('GET', '/api/items/1');
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
    expect(await call('GET', '/api/nothing')).toMatchObject({ status: 404 });
    expect(seen).toEqual(['GET', 'GET']);
  });

  it("a route's own middleware refuses with 403 naming what is needed, before the route runs", async () => {
    let ran = false;
    const requireGroup =
      (group: string): Middleware =>
      async ({ reqCtx, next }) => {
        if (reqCtx.req.headers.get('x-group') !== group)
          throw new ApiError('Forbidden', `this needs the ${group} group`);
        await next();
      };
    const { call } = api({
      routes: [
        route<Deps>({
          method: 'POST',
          path: '/api/retrain',
          middleware: [requireGroup('admins')],
          handle: () => {
            ran = true;
            return json(202, {});
          },
        }),
      ],
    });
    expect(await call('POST', '/api/retrain')).toMatchObject({
      status: 403,
      body: { error: 'Forbidden', message: 'this needs the admins group' },
    });
    expect(ran).toBe(false);
  });
});
