/**
 * Who may talk to the local AWS endpoints (the gateway, Step Functions,
 * fauxqs, dynalite) and the local sign-in provider. They listen on 127.0.0.1
 * only, but a web page the user visits can still reach 127.0.0.1:
 *
 * - **DNS rebinding**: a page on `evil.example` whose name is made to resolve
 *   to 127.0.0.1 talks to the port as its own origin, so the browser lets it
 *   read the answers (tickets on the queues, objects in S3). It sends its own
 *   name as `Host`, so only loopback names are accepted: `127.0.0.1`,
 *   `localhost`, `[::1]` and names under `.localhost` (RFC 6761: they never
 *   leave the machine). The port is not checked: the gateway hands requests on
 *   to the emulators with the Host it was given.
 * - **Cross-site requests** (`browsers: 'refuse'`): a page of any other origin
 *   can send a form post to an AWS endpoint (e.g. an SQS query-protocol
 *   `SendMessage`) without reading the answer. No page talks to these
 *   endpoints, and SDK clients and the AWS CLI send neither `Origin` nor
 *   `Sec-Fetch-Site`, so a request carrying either is refused unless it is
 *   the browser's own navigation (`Sec-Fetch-Site: none`).
 *
 * The sign-in provider serves the review page's browser (discovery, the
 * sign-in form, tokens over CORS) and keeps `browsers: 'allow'`: the Host
 * check alone.
 */
import type { IncomingHttpHeaders, IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';

export interface LoopbackGuardOptions {
  /** Whether requests sent by a web page are refused ('refuse', for AWS endpoints) or left to the server ('allow'). */
  readonly browsers: 'refuse' | 'allow';
}

const one = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);

/** True for `127.0.0.1`, `localhost`, `[::1]` and `*.localhost`, with or without a port. */
export function isLoopbackAuthority(authority: string): boolean {
  const match = /^(\[[^\]]*\]|[^:]*)(?::\d*)?$/.exec(authority.trim().toLowerCase());
  if (!match) return false;
  const name = match[1]!.replace(/\.$/, '');
  return name === '127.0.0.1' || name === '[::1]' || name === 'localhost' || name.endsWith('.localhost');
}

/** Why a request to a local endpoint is refused, or undefined when it may go on. */
export function loopbackRefusal(headers: IncomingHttpHeaders, options: LoopbackGuardOptions): string | undefined {
  const host = one(headers.host);
  if (host === undefined || !isLoopbackAuthority(host))
    return `this local endpoint answers only to 127.0.0.1, localhost or [::1], not to the host "${(host ?? '').slice(0, 100)}": a web page must not reach it through a name of its own`;
  if (options.browsers === 'allow') return undefined;
  const fetchSite = one(headers['sec-fetch-site']);
  if (fetchSite !== undefined && fetchSite !== 'none')
    return `this local AWS endpoint does not take requests from web pages (Sec-Fetch-Site: ${fetchSite.slice(0, 20)}); use an AWS SDK, the AWS CLI or \`triage\``;
  const origin = one(headers.origin);
  if (origin !== undefined)
    return `this local AWS endpoint does not take requests from web pages (Origin: ${origin.slice(0, 100)}); use an AWS SDK, the AWS CLI or \`triage\``;
  return undefined;
}

/** Answers a refused request: 403 with the reason, and the connection closed. */
function refuse(res: ServerResponse, reason: string): void {
  const body = JSON.stringify({ __type: 'AccessDeniedException', message: reason });
  res.writeHead(403, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'x-amzn-errortype': 'AccessDeniedException',
    connection: 'close',
  });
  res.end(body);
}

/** `listener`, behind the guard. */
export function guardListener(listener: RequestListener, options: LoopbackGuardOptions): RequestListener {
  return (req: IncomingMessage, res: ServerResponse) => {
    const reason = loopbackRefusal(req.headers, options);
    if (reason !== undefined) return refuse(res, reason);
    listener(req, res);
  };
}

/**
 * Puts the guard in front of every request listener `server` has now (for
 * servers built by a library, e.g. dynalite's). Call it before the server
 * listens.
 */
export function guardServer(server: Server, options: LoopbackGuardOptions): void {
  const listeners = server.listeners('request') as RequestListener[];
  server.removeAllListeners('request');
  server.on(
    'request',
    guardListener((req, res) => {
      for (const listener of listeners) listener.call(server, req, res);
    }, options),
  );
}
