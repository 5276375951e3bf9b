import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { z } from 'zod';
import { TriageError, type ErrorCode } from '../errors.ts';

/**
 * Small HTTP helpers for an API Gateway HTTP API (payload 2.0) Lambda behind
 * the `$default` route: routing by method and path, JSON bodies, and errors
 * as `{ error, message }` with the right status code.
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

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' } as const;

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): ApiResult {
  return { statusCode, headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(body) };
}

/** The response for an error of the product, its status from the one table of error codes (src/errors.ts). */
export const errorResult = (error: TriageError): ApiResult =>
  json(
    error.meaning.status,
    { error: error.code, message: error.message },
    error instanceof ApiError ? error.headers : {},
  );

export interface RouteMatch {
  readonly params: Record<string, string>;
}

export interface Route<C> {
  readonly method: 'GET' | 'PUT' | 'POST' | 'DELETE' | 'PATCH';
  /** e.g. `/api/predictions/:ticketId/feedback` */
  readonly path: string;
  readonly handle: (request: ApiRequest, context: C) => Promise<ApiResult>;
}

export interface ApiRequest {
  readonly event: APIGatewayProxyEventV2;
  readonly method: string;
  /** The route pattern that matched (for logs: no ids in it). */
  readonly route: string;
  readonly params: Record<string, string>;
  readonly query: Record<string, string>;
}

function matchPath(pattern: string, segments: readonly string[]): Record<string, string> | undefined {
  const parts = pattern.split('/').filter(Boolean);
  if (parts.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    const segment = segments[i]!;
    if (part.startsWith(':')) params[part.slice(1)] = segment;
    else if (part !== segment) return undefined;
  }
  return params;
}

function pathSegments(rawPath: string): string[] {
  try {
    return rawPath
      .split('/')
      .filter(Boolean)
      .map((s) => decodeURIComponent(s));
  } catch {
    throw new ApiError('BadRequest', 'the path is not valid URL encoding');
  }
}

/** Finds the route for a request: 404 for an unknown path, 405 (with Allow) for a known path and another method. */
export function findRoute<C>(
  routes: readonly Route<C>[],
  event: APIGatewayProxyEventV2,
): { route: Route<C>; request: ApiRequest } {
  const method = (event.requestContext?.http?.method ?? 'GET').toUpperCase();
  const rawPath = event.rawPath ?? '/';
  const segments = pathSegments(rawPath);
  const allowed: string[] = [];
  for (const route of routes) {
    const params = matchPath(route.path, segments);
    if (!params) continue;
    if (route.method !== method) {
      allowed.push(route.method);
      continue;
    }
    return {
      route,
      request: {
        event,
        method,
        route: route.path,
        params,
        query: { ...event.queryStringParameters } as Record<string, string>,
      },
    };
  }
  if (allowed.length > 0)
    throw new ApiError('MethodNotAllowed', `${method} is not allowed on ${rawPath} (allowed: ${allowed.join(', ')})`, {
      allow: allowed.join(', '),
    });
  throw new ApiError('NotFound', `there is no API at ${method} ${rawPath}`);
}

function describeIssues(error: z.ZodError, where: string): string {
  return error.issues
    .map((issue) => {
      const field = issue.path.length > 0 ? `${where} "${issue.path.join('.')}"` : where;
      return `${field}: ${issue.message}`;
    })
    .join('; ');
}

/** Validates query parameters; 400 naming the parameter otherwise. */
export function parseQuery<T extends z.ZodType>(schema: T, request: ApiRequest): z.infer<T> {
  const parsed = schema.safeParse(request.query);
  if (!parsed.success) throw new ApiError('BadRequest', describeIssues(parsed.error, 'query parameter'));
  return parsed.data;
}

/** Parses and validates a JSON body; 400 saying what is wrong otherwise. */
export function parseBody<T extends z.ZodType>(
  schema: T,
  request: ApiRequest,
  options: { optional?: boolean } = {},
): z.infer<T> {
  const { event } = request;
  let text = event.body ?? '';
  if (event.isBase64Encoded && text) text = Buffer.from(text, 'base64').toString('utf8');
  let json: unknown = undefined;
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
  if (!parsed.success) throw new ApiError('BadRequest', describeIssues(parsed.error, 'field'));
  return parsed.data;
}

/** `true`/`false` query parameters. */
export const booleanParam = z
  .enum(['true', 'false'], { message: 'must be true or false' })
  .transform((v) => v === 'true');
