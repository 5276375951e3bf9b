/**
 * The local stand-in for API Gateway (HTTP API, payload format 2.0, `$default`
 * route): a Node HTTP server on 127.0.0.1 that turns each request under
 * `/api/` into the event API Gateway would send the Lambda, calls the handler,
 * and turns its result back into an HTTP response the way API Gateway does.
 * Other paths go to `fallback` (the web page's static files).
 *
 * Every request first passes the request guard (request-guard.ts: the Host,
 * cross-site state changes); the server's own answers (a refusal, 404, 413,
 * 500) are JSON with `X-Content-Type-Options: nosniff`, like the API's.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { ERROR_CODES } from '../errors.ts';
import { closeServer, endpointUrl, listen } from '../local/http-util.ts';
import type { AuthorizerDecision } from './jwt-authorizer.ts';
import { checkLocalRequest } from './request-guard.ts';

export const API_PATH_PREFIX = '/api/';

export interface HttpApiServerOptions {
  /** Calls the API's Lambda handler with the event (e.g. through the local function registry). */
  readonly invoke: (event: APIGatewayProxyEventV2) => Promise<unknown>;
  /** Requests outside `/api/`. Default: 404. */
  readonly fallback?: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;
  /** Larger request bodies are refused with 413 (API Gateway's limit is 10 MB). Default 1 MB. */
  readonly maxBodyBytes?: number;
  /** Called with the name of an error the server itself hit (never request contents). */
  readonly onError?: (error: unknown) => void;
  /**
   * API Gateway's JWT authorizer (src/local-stack/jwt-authorizer.ts): asked about
   * every `/api/` request before the handler; a refused request gets its 401,
   * an allowed one reaches the handler with `requestContext.authorizer.jwt`.
   * Default: none (every request reaches the handler, without claims).
   */
  readonly authorize?: (authorizationHeader: string | undefined) => Promise<AuthorizerDecision>;
  /** Called with the reason a request was refused by `authorize` (never the token). */
  readonly onRefused?: (reason: string) => void;
}

export interface HttpApiServer {
  readonly server: Server;
  readonly port: number;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  close(): Promise<void>;
}

class RequestTooLargeError extends Error {}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new RequestTooLargeError());
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

const TEXT_CONTENT = /^(application\/(json|x-www-form-urlencoded|xml|[\w.+-]+\+json)|text\/)/i;

/** The API Gateway HTTP API (2.0) event for a Node request. */
export function toApiGatewayEvent(req: IncomingMessage, body: Buffer): APIGatewayProxyEventV2 {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || name === 'cookie') continue;
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = {};
  for (const [key, value] of url.searchParams)
    query[key] = Object.hasOwn(query, key) ? `${query[key]},${value}` : value;
  const cookies = req.headers.cookie
    ?.split(';')
    .map((c) => c.trim())
    .filter(Boolean);
  const now = new Date();
  const contentType = headers['content-type'] ?? '';
  const isText = body.length === 0 || TEXT_CONTENT.test(contentType);
  const method = (req.method ?? 'GET').toUpperCase();
  let path: string;
  try {
    path = decodeURIComponent(url.pathname);
  } catch {
    path = url.pathname; // Not valid %-encoding: the handler answers 400 (rawPath is what it reads).
  }
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: url.pathname,
    rawQueryString: url.search.replace(/^\?/, ''),
    ...(cookies && cookies.length > 0 && { cookies }),
    headers,
    ...(Object.keys(query).length > 0 && { queryStringParameters: query }),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'local',
      http: {
        method,
        path,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(body.length > 0 && { body: isText ? body.toString('utf8') : body.toString('base64') }),
    isBase64Encoded: !isText,
  };
}

/**
 * Writes a Lambda result as API Gateway does: a result with `statusCode` is
 * used as it is; anything else is a 200 with the result as JSON.
 */
export function writeApiGatewayResult(res: ServerResponse, result: unknown): void {
  const structured =
    result !== null && typeof result === 'object' && 'statusCode' in result
      ? (result as APIGatewayProxyStructuredResultV2)
      : undefined;
  if (!structured) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(typeof result === 'string' ? result : JSON.stringify(result ?? null));
    return;
  }
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(structured.headers ?? {})) headers[name.toLowerCase()] = String(value);
  if (structured.cookies?.length) headers['set-cookie'] = structured.cookies;
  const body =
    structured.body === undefined
      ? undefined
      : structured.isBase64Encoded
        ? Buffer.from(structured.body, 'base64')
        : structured.body;
  headers['content-type'] ??= 'application/json';
  res.writeHead(structured.statusCode ?? 200, headers);
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'x-content-type-options': 'nosniff' });
  res.end(JSON.stringify(body));
}

export function createHttpApiServer(options: HttpApiServerOptions): Server {
  const limit = options.maxBodyBytes ?? 1024 * 1024;
  const server = createServer((req, res) => {
    void (async () => {
      const refusal = checkLocalRequest(req, req.socket.localPort ?? 0);
      if (refusal) {
        req.resume();
        return sendJson(res, ERROR_CODES[refusal.code].status, { error: refusal.code, message: refusal.message });
      }
      const path = (req.url ?? '/').split('?')[0]!;
      if (!(path === '/api' || path.startsWith(API_PATH_PREFIX))) {
        if (options.fallback) return options.fallback(req, res);
        return sendJson(res, 404, {
          error: 'NotFound',
          message: `nothing is served at ${path}; the API is under ${API_PATH_PREFIX}`,
        });
      }
      let body: Buffer;
      try {
        body = await readBody(req, limit);
      } catch (error) {
        if (error instanceof RequestTooLargeError)
          return sendJson(res, ERROR_CODES.PayloadTooLarge.status, {
            error: 'PayloadTooLarge',
            message: `the request body is larger than ${limit} bytes`,
          });
        throw error;
      }
      const event = toApiGatewayEvent(req, body);
      if (options.authorize) {
        const decision = await options.authorize(req.headers.authorization);
        if (!decision.allowed) {
          options.onRefused?.(decision.reason);
          res.writeHead(decision.statusCode, decision.headers);
          res.end(decision.body);
          return;
        }
        (event.requestContext as { authorizer?: unknown }).authorizer = { jwt: decision.jwt };
      }
      let result: unknown;
      try {
        result = await options.invoke(event);
      } catch (error) {
        // What API Gateway answers when the integration fails.
        options.onError?.(error);
        return sendJson(res, 500, { message: 'Internal Server Error' });
      }
      writeApiGatewayResult(res, result);
    })().catch((error: unknown) => {
      options.onError?.(error);
      if (!res.headersSent) sendJson(res, 500, { message: 'Internal Server Error' });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;
  return server;
}

/** Starts the server on 127.0.0.1:`port` (0 = a free port). */
export async function startHttpApiServer(
  options: HttpApiServerOptions & { readonly port?: number },
): Promise<HttpApiServer> {
  const server = createHttpApiServer(options);
  const port = await listen(server, options.port ?? 0);
  return { server, port, url: endpointUrl(port), close: () => closeServer(server) };
}
