/**
 * The web page's files, served by the local HTTP server for every path
 * outside `/api/` (`startLocalStack({ httpFallback })`). No build step: the
 * page is plain ES modules (Preact + htm) under `src/web/static/`, and the two
 * libraries are served from `node_modules` by an explicit allow-list, so the
 * browser fetches nothing from anywhere but this server.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { projectPath } from '../workflows/catalog.ts';

/** Where the page's own files live (from the project root: the same from src/web/ and from the compiled CLI in dist/cli/). */
export const STATIC_ROOT = projectPath('src/web/static/');

const require = createRequire(import.meta.url);

/** `/vendor/<name>` -> a file of an npm package (the import map in index.html names these). */
export function vendorFiles(): Record<string, string> {
  return {
    'preact.mjs': require.resolve('preact'),
    'preact-hooks.mjs': require.resolve('preact/hooks'),
    'htm.mjs': join(dirname(require.resolve('htm')), 'htm.mjs'),
  };
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/** The Content-Security-Policy of the page: its own origin only; the inline import map by hash. */
export function contentSecurityPolicy(indexHtml: string): string {
  const hashes = [...indexHtml.matchAll(/<script type="importmap">([\s\S]*?)<\/script>/g)].map(
    (m) => `'sha256-${createHash('sha256').update(m[1]!).digest('base64')}'`,
  );
  return [
    "default-src 'none'",
    `script-src 'self' ${hashes.join(' ')}`.trim(),
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export interface WebPageOptions {
  /** Default: the page's files in this package. */
  readonly root?: string;
}

/** A request handler for the page's files (GET/HEAD; 404 for anything else that is not a file). */
export function createWebPageHandler(
  options: WebPageOptions = {},
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const root = options.root ?? STATIC_ROOT;
  const vendor = vendorFiles();
  const csp = contentSecurityPolicy(readFileSync(join(root, 'index.html'), 'utf8'));
  const common = {
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    'cross-origin-opener-policy': 'same-origin',
  };

  const send = (
    res: ServerResponse,
    status: number,
    body: string | Buffer,
    headers: Record<string, string>,
    head: boolean,
  ) => {
    res.writeHead(status, { ...common, 'content-length': String(Buffer.byteLength(body)), ...headers });
    res.end(head ? undefined : body);
  };

  return async (req, res) => {
    const method = (req.method ?? 'GET').toUpperCase();
    const head = method === 'HEAD';
    if (method !== 'GET' && !head)
      return send(
        res,
        405,
        'method not allowed\n',
        { 'content-type': 'text/plain; charset=utf-8', allow: 'GET, HEAD' },
        false,
      );
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    } catch {
      return send(res, 400, 'bad request\n', { 'content-type': 'text/plain; charset=utf-8' }, head);
    }
    let file: string | undefined;
    let cache = 'no-cache';
    if (path === '/' || path === '/index.html') {
      file = join(root, 'index.html');
    } else if (path.startsWith('/vendor/')) {
      file = vendor[path.slice('/vendor/'.length)];
      cache = 'public, max-age=3600';
    } else if (!path.includes('\0')) {
      const candidate = normalize(join(root, path));
      if (candidate.startsWith(root.endsWith(sep) ? root : root + sep) && !candidate.endsWith(sep)) file = candidate;
    }
    if (!file || !(statSync(file, { throwIfNoEntry: false })?.isFile() ?? false)) {
      return send(
        res,
        404,
        'not found\n',
        { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
        head,
      );
    }
    const body = await readFile(file);
    const type = CONTENT_TYPES[extname(file)] ?? 'application/octet-stream';
    send(
      res,
      200,
      body,
      {
        'content-type': type,
        'cache-control': cache,
        ...(type.startsWith('text/html') && { 'content-security-policy': csp }),
      },
      head,
    );
  };
}
