/**
 * Who may talk to the local HTTP server (the review page and its API on
 * 127.0.0.1): checks made before a request reaches the page's files or the
 * API's handler. On AWS these are API Gateway's and CloudFront's business (a
 * custom domain, CORS, the JWT authorizer); locally nothing else stands
 * between a web page the user visits and the API, so:
 *
 * - **Host**: only `127.0.0.1`, `localhost` and `[::1]` with the server's own
 *   port. A page whose name resolves to 127.0.0.1 (DNS rebinding) sends its
 *   own name as Host and is refused, so it cannot read tickets.
 * - **Cross-site state changes**: a request that is not GET/HEAD/OPTIONS and
 *   comes from a browser page of another origin is refused. Browsers send
 *   `Sec-Fetch-Site` (anything but `same-origin` or `none` is another site,
 *   another port included) and `Origin` (it must be one of this server's own
 *   origins) on such requests, `no-cors` form posts and `fetch` included. A
 *   request without either comes from a program (`curl`, the CLI), not a page.
 * - **Cross-site reads of the API**: a page of another site may not load
 *   `/api/...` as a subresource (`Sec-Fetch-Site: cross-site` or `same-site`,
 *   not a navigation), so a response cannot leak into it through a script or
 *   image tag.
 * - **Request targets** that are not a path (`GET http://evil/ HTTP/1.1`).
 *
 * Pure: a request's method, target and headers in, a refusal or nothing out
 * (the server answers the refusal).
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { ErrorCode } from '../errors.ts';

/** The loopback names the server answers to (with its own port). */
export const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'] as const;

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface GuardedRequest {
  readonly method?: string | undefined;
  readonly url?: string | undefined;
  readonly headers: IncomingHttpHeaders;
}

export interface Refusal {
  readonly code: ErrorCode;
  readonly message: string;
}

const one = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);

/** `host[:port]` with the name lower-cased, or undefined when it is not one of the loopback names with `port`. */
function loopbackAuthority(authority: string, port: number): string | undefined {
  const match = /^(\[[^\]]*\]|[^:]*)(?::(\d+))?$/.exec(authority.toLowerCase());
  if (!match) return undefined;
  const [, name, given] = match;
  if (!(LOOPBACK_NAMES as readonly string[]).includes(name!)) return undefined;
  const effective = given === undefined ? 80 : Number(given);
  return effective === port ? `${name}:${port}` : undefined;
}

/** The origins of this server's own pages. */
const isOwnOrigin = (origin: string, port: number): boolean => {
  if (!origin.toLowerCase().startsWith('http://')) return false;
  return loopbackAuthority(origin.slice('http://'.length), port) !== undefined;
};

const allowedHosts = (port: number) => LOOPBACK_NAMES.map((n) => `${n}:${port}`).join(', ');

/**
 * Checks a request to the local server on `port`; undefined when it may go
 * on, else why not (Forbidden: 403, BadRequest: 400).
 */
export function checkLocalRequest(request: GuardedRequest, port: number): Refusal | undefined {
  const target = request.url ?? '';
  if (!target.startsWith('/'))
    return { code: 'BadRequest', message: 'the request target must be a path (e.g. /api/stats)' };

  const host = one(request.headers.host);
  if (host === undefined || loopbackAuthority(host, port) === undefined)
    return {
      code: 'Forbidden',
      message: `this server answers only to ${allowedHosts(port)}, not to the host "${(host ?? '').slice(0, 100)}" (a page on another site must not reach it through its own name)`,
    };

  const method = (request.method ?? 'GET').toUpperCase();
  const site = one(request.headers['sec-fetch-site'])?.toLowerCase();
  const origin = one(request.headers.origin);
  const path = target.split('?')[0]!;
  const isApi = path === '/api' || path.startsWith('/api/');

  if (!SAFE_METHODS.has(method)) {
    if (site !== undefined && site !== 'same-origin' && site !== 'none')
      return {
        code: 'Forbidden',
        message: `a ${method} from another site (Sec-Fetch-Site: ${site}) is refused: only the review page served here may change things`,
      };
    if (origin !== undefined && !isOwnOrigin(origin, port))
      return {
        code: 'Forbidden',
        message: `a ${method} from the origin "${origin.slice(0, 100)}" is refused: only the review page served here (http://${allowedHosts(port).split(', ')[0]}) may change things`,
      };
  } else if (isApi && (site === 'cross-site' || site === 'same-site')) {
    const mode = one(request.headers['sec-fetch-mode'])?.toLowerCase();
    if (mode !== 'navigate')
      return {
        code: 'Forbidden',
        message: `the API is not for pages of other sites (Sec-Fetch-Site: ${site})`,
      };
  }
  return undefined;
}
