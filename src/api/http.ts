import {
  HttpError,
  type NotFoundError,
  RequestValidationError,
  Router,
} from '@aws-lambda-powertools/event-handler/http';
import type { Middleware, RequestContext } from '@aws-lambda-powertools/event-handler/types';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import * as z from '../zod.ts';
import { TriageError, type ErrorCode } from '../errors.ts';

/**
 * The review API's HTTP layer, on Powertools' event-handler HTTP `Router`
 * (API Gateway HTTP API, payload 2.0, `$default` route): routes with path
 * parameters, query validation, 404 and 405 (with `Allow`), errors as
 * `{ error, message }` with the status of the one table of error codes
 * (src/errors.ts), and one place for middleware.
 *
 * Where later checks go:
 * - **Built in, for every request**: a path that is not valid %-encoding is a
 *   400; a body that is not `application/json` is a 415; every response has
 *   `X-Content-Type-Options: nosniff`. (Host, Origin and Sec-Fetch-Site are
 *   checked by the local server, src/local-stack/request-guard.ts; on AWS by
 *   API Gateway, CORS and the JWT authorizer.)
 * - **Every request** (other checks): a `Middleware`
 *   in {@link ApiOptions.middleware}. It runs for every request, matched or
 *   not, before the route, and may answer itself (return a `Response`), throw a
 *   `TriageError` (answered with its code's status), or change the response
 *   after `await next()`.
 * - **One route** (authorization: which group may call it, 403 naming it):
 *   `middleware` on the {@link ApiRoute}, run after the global ones; e.g.
 *   `{ method: 'POST', path: '/api/retrain', middleware: [requireGroup('admins')], handle }`
 *   where `requireGroup` throws `new ApiError('Forbidden', 'this needs the admins group')`.
 */
export type ApiResult = APIGatewayProxyStructuredResultV2 & { statusCode: number; body: string };

/** A request the API refuses; `message` is for people and never holds ticket text. */
export class ApiError extends TriageError {
  override readonly name = 'ApiError';
  constructor(
    code: ErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message, code);
  }
}

/** On every response of the API: browsers take the content type as sent, never guess one. */
const NOSNIFF = { 'x-content-type-options': 'nosniff' } as const;

const JSON_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
  ...NOSNIFF,
} as const;

/** A JSON response (never cached unless `headers` say otherwise). */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { ...JSON_HEADERS, ...headers } });
}

/** What a route's handler gets. */
export interface ApiRequest<Q = Record<string, string>> {
  readonly event: APIGatewayProxyEventV2;
  readonly method: string;
  /** The route's path pattern (for logs: no ids in it). */
  readonly route: string;
  /** Path parameters (`:ticketId`), decoded. */
  readonly params: Record<string, string>;
  /** The query parameters, validated by the route's `query` schema when it has one. */
  readonly query: Q;
}

type Method = 'GET' | 'PUT' | 'POST' | 'DELETE' | 'PATCH';

/** One route of the API. */
export interface ApiRoute<D, Q extends z.ZodMiniType = z.ZodMiniType<Record<string, string>>> {
  readonly method: Method;
  /** e.g. `/api/predictions/:ticketId/feedback` */
  readonly path: `/${string}`;
  /** The query parameters' schema; a mismatch is a 400 naming the parameter. */
  readonly query?: Q;
  /** Middleware of this route only (after the API's own), e.g. who may call it. */
  readonly middleware?: readonly Middleware[];
  readonly handle: (request: ApiRequest<z.infer<Q>>, deps: D) => Promise<Response> | Response;
}

/** A route with its query schema's type inferred (a list of routes holds routes of different queries). */
export const route = <D, Q extends z.ZodMiniType = z.ZodMiniType<Record<string, string>>>(
  r: ApiRoute<D, Q>,
): ApiRoute<D> => r as unknown as ApiRoute<D>;

export interface ApiOptions<D> {
  readonly routes: readonly ApiRoute<D>[];
  /** What the routes work with, looked up per request (a warm container's clients and stores). */
  readonly deps: () => D;
  /** Middleware for every request, in order, before the route's own. */
  readonly middleware?: readonly Middleware[];
  readonly log?: (level: 'info' | 'warn' | 'error', message: string, fields: Record<string, unknown>) => void;
  /** The log line of each request, e.g. `review API request`. */
  readonly name: string;
}

/** `/api/predictions/:ticketId` -> a pattern for the raw path (segments not decoded). */
const pathPattern = (path: string): RegExp =>
  new RegExp(`^${path.replace(/:[A-Za-z0-9_]+/g, '[^/]+').replace(/\/+$/, '')}/?$`);

function describeIssues(issues: readonly { message: string; path?: readonly PropertyKey[] }[], where: string): string {
  return issues
    .map((issue) => {
      const path = (issue.path ?? []).map(String);
      return `${path.length > 0 ? `${where} "${path.join('.')}"` : where}: ${issue.message}`;
    })
    .join('; ');
}

/** A path whose %-escapes do not decode is refused before any route sees it. */
const rejectMalformedPath: Middleware = async ({ reqCtx, next }) => {
  try {
    decodeURIComponent((reqCtx.event as APIGatewayProxyEventV2).rawPath ?? '/');
  } catch {
    throw new ApiError('BadRequest', 'the path is not valid URL encoding');
  }
  await next();
};

/**
 * A request with a body must say it is JSON (`content-type: application/json`,
 * UTF-8): anything else is refused with 415 before a route reads it. Besides
 * saying what is wrong, this keeps pages of other sites out: a form post or a
 * `no-cors` fetch can send `text/plain`, form or octet-stream bodies without
 * asking the server first, but not `application/json`.
 */
const requireJsonBody: Middleware = async ({ reqCtx, next }) => {
  const event = reqCtx.event as APIGatewayProxyEventV2;
  if (event.body !== undefined && event.body !== '') {
    const header = Object.entries(event.headers ?? {}).find(([name]) => name.toLowerCase() === 'content-type')?.[1];
    const [type = '', ...params] = (header ?? '').split(';').map((p) => p.trim().toLowerCase());
    const charset = params
      .find((p) => p.startsWith('charset='))
      ?.slice('charset='.length)
      .replace(/"/g, '');
    if (type !== 'application/json' || (charset !== undefined && charset !== 'utf-8'))
      throw new ApiError(
        'UnsupportedMediaType',
        `the request body must be JSON sent with content-type: application/json${header ? ` (not ${header.slice(0, 100)})` : ' (the request has no content-type)'}`,
      );
  }
  await next();
};

/**
 * The API as one function: API Gateway HTTP API event in, response out. Never
 * throws: an error of the product is answered with its code's status; any
 * other error is a 500 whose details go to the log only.
 */
export function createApi<D>(
  options: ApiOptions<D>,
): (event: APIGatewayProxyEventV2, context: Context) => Promise<ApiResult> {
  const router = new Router();
  // Which route answered each request (for the log line), by its event.
  const routeOf = new WeakMap<object, string>();
  router.use(async ({ reqCtx, next }) => {
    if (reqCtx.route) routeOf.set(reqCtx.event, reqCtx.route.slice(reqCtx.route.indexOf(' ') + 1));
    await next();
  });
  router.use(rejectMalformedPath);
  router.use(requireJsonBody);
  for (const middleware of options.middleware ?? []) router.use(middleware);

  for (const r of options.routes) {
    const handler = async (reqCtx: RequestContext) => {
      const event = reqCtx.event as APIGatewayProxyEventV2;
      // With a `query` schema, Powertools' validation middleware has checked and parsed the query (`valid`).
      const valid = (reqCtx as { valid?: { req?: { query?: unknown } } }).valid?.req?.query;
      const query = r.query ? valid : { ...event.queryStringParameters };
      return r.handle(
        {
          event,
          method: reqCtx.req.method,
          route: r.path,
          params: reqCtx.params,
          query: query as Record<string, string>,
        },
        options.deps(),
      );
    };
    const at = { method: r.method, path: r.path, ...(r.middleware && { middleware: [...r.middleware] }) };
    if (r.query) router.route(handler, { ...at, validation: { req: { query: r.query } } });
    else router.route(handler, at);
  }

  const allowedMethods = (rawPath: string): Method[] =>
    options.routes.filter((r) => pathPattern(r.path).test(rawPath)).map((r) => r.method);

  const unexpected = (error: unknown, event: APIGatewayProxyEventV2): Response => {
    const requestId = event.requestContext?.requestId;
    options.log?.('error', `${options.name} failed`, {
      route: routeOf.get(event) ?? '(unmatched)',
      error: (error as Error)?.name ?? typeof error,
      message: String((error as Error)?.message ?? '').slice(0, 300),
      requestId,
    });
    return json(500, {
      error: 'InternalError',
      message: `the request could not be completed${requestId ? ` (request id ${requestId})` : ''}; the function's log has the details`,
    });
  };

  /** The one mapping from an error to a response: the product's errors by their code (src/errors.ts). */
  const errorResponse = (error: unknown, event: APIGatewayProxyEventV2): Response => {
    if (error instanceof TriageError) {
      const { status } = error.meaning;
      if (status === 500) return unexpected(error, event);
      return json(
        status,
        { error: error.code, message: error.message },
        error instanceof ApiError ? error.headers : {},
      );
    }
    if (error instanceof RequestValidationError) {
      const issues = (error.details?.issues ?? []) as { message: string; path?: PropertyKey[] }[];
      const where = issues[0]?.path?.[0] === 'query' ? 'query parameter' : 'field';
      const local = issues.map((issue) => ({ ...issue, path: (issue.path ?? []).slice(1) }));
      return errorResponse(new ApiError('BadRequest', describeIssues(local, where)), event);
    }
    if (error instanceof URIError)
      return errorResponse(new ApiError('BadRequest', 'the path is not valid URL encoding'), event);
    if (error instanceof HttpError && error.statusCode < 500)
      return json(error.statusCode, { error: 'BadRequest', message: error.message });
    return unexpected(error, event);
  };

  router.notFound(async (_error: NotFoundError, reqCtx) => {
    const event = reqCtx.event as APIGatewayProxyEventV2;
    const method = reqCtx.req.method;
    const rawPath = event.rawPath ?? '/';
    const allowed = allowedMethods(rawPath);
    if (allowed.length > 0)
      return errorResponse(
        new ApiError('MethodNotAllowed', `${method} is not allowed on ${rawPath} (allowed: ${allowed.join(', ')})`, {
          allow: allowed.join(', '),
        }),
        event,
      );
    return errorResponse(new ApiError('NotFound', `there is no API at ${method} ${rawPath}`), event);
  });
  router.errorHandler(Error, async (error, reqCtx) => errorResponse(error, reqCtx.event as APIGatewayProxyEventV2));

  return async (event, context) => {
    const started = Date.now();
    let result: ApiResult;
    try {
      result = (await router.resolve(event, context)) as ApiResult;
    } catch (error) {
      // The event could not be turned into a request (before any route): the request is at fault.
      options.log?.('warn', `${options.name} not readable`, { error: (error as Error)?.name ?? typeof error });
      const response = json(400, { error: 'BadRequest', message: 'the request could not be read' });
      result = {
        statusCode: response.status,
        headers: Object.fromEntries(response.headers),
        body: await response.text(),
      };
    }
    result.headers = { ...result.headers, ...NOSNIFF };
    options.log?.('info', options.name, {
      method: event.requestContext?.http?.method,
      route: routeOf.get(event) ?? '(unmatched)',
      status: result.statusCode,
      ms: Date.now() - started,
    });
    return result;
  };
}

/** Parses and validates a JSON body; 400 saying what is wrong otherwise. */
export function parseBody<T extends z.ZodMiniType>(
  schema: T,
  request: ApiRequest<unknown>,
  options: { optional?: boolean } = {},
): z.infer<T> {
  const { event } = request;
  let text = event.body ?? '';
  if (event.isBase64Encoded && text) text = Buffer.from(text, 'base64').toString('utf8');
  let json: unknown;
  if (text.trim() === '') {
    if (!options.optional) throw new ApiError('BadRequest', 'the request needs a JSON body');
    json = {};
  } else {
    try {
      json = JSON.parse(text);
    } catch {
      throw new ApiError('BadRequest', 'the request body is not valid JSON');
    }
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new ApiError('BadRequest', describeIssues(parsed.error.issues, 'field'));
  return parsed.data;
}

/** `true`/`false` query parameters. */
export const booleanParam = z.pipe(
  z.enum(['true', 'false'], { error: 'must be true or false' }),
  z.transform((v) => v === 'true'),
);
