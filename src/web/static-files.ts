/**
 * The web page's files, served by the local HTTP server for every path
 * outside `/api/` (`startLocalStack({ httpFallback })`), and deployed to S3
 * behind CloudFront by the CDK app (infra/web/review-page.ts): the same list,
 * {@link webPageFiles}. No build step: the page is plain ES modules (Preact +
 * htm) under `src/web/static/`, and the libraries are served from
 * `node_modules` by an explicit allow-list, so the browser fetches nothing
 * from anywhere but this server (and, with sign-in, the sign-in provider).
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, extname, join, relative, sep } from 'node:path';
import { projectPath } from '../workflows/catalog.ts';
import { NO_SIGN_IN, signInConnectOrigins, type WebPageConfig } from './page-config.ts';

/** Where the page's own files live (from the project root: the same from src/web/ and from the compiled CLI in dist/cli/). */
export const STATIC_ROOT = projectPath('src/web/static/');

const require = createRequire(import.meta.url);

/** The directory of an installed package (found from the file `require` resolves it to). */
function packageDir(name: string, from: NodeJS.Require = require): string {
  let dir = dirname(from.resolve(name));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === name)
      return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find the package directory of ${name}`);
    dir = parent;
  }
}

/** A package's ES module entry (its `exports` `import` condition), which `require.resolve` does not pick. */
function esmEntry(name: string, from: NodeJS.Require = require): string {
  const dir = packageDir(name, from);
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
    exports?: Record<string, { import?: string | { default?: string } }>;
    module?: string;
  };
  const entry = manifest.exports?.['.']?.import;
  const target = typeof entry === 'string' ? entry : (entry?.default ?? manifest.module);
  if (!target) throw new Error(`${name} has no ES module entry`);
  return join(dir, target);
}

/** `/vendor/<name>` -> a file of an npm package (the import map in index.html names these). */
export function vendorFiles(): Record<string, string> {
  const fromOidcClient = createRequire(join(packageDir('oidc-client-ts'), 'package.json'));
  return {
    'preact.mjs': require.resolve('preact'),
    'preact-hooks.mjs': require.resolve('preact/hooks'),
    'htm.mjs': join(dirname(require.resolve('htm')), 'htm.mjs'),
    // The page's sign-in (src/web/static/lib/sign-in.js) and its one dependency.
    'oidc-client-ts.mjs': esmEntry('oidc-client-ts'),
    'jwt-decode.mjs': esmEntry('jwt-decode', fromOidcClient),
  };
}

/** The page's type check (its tsconfig.json, type declarations): not part of the page. */
const NOT_SERVED = /^tsconfig\.json$|\.d\.ts$/;

/**
 * Every file of the page by its URL path (`/index.html`, `/app.js`,
 * `/vendor/preact.mjs`, ...): what the local server serves and what the CDK
 * app deploys. `/config.json` is not a file: it is made per deployment.
 */
export function webPageFiles(root: string = STATIC_ROOT): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && !NOT_SERVED.test(entry.name))
        files.set(`/${relative(root, path).split(sep).join('/')}`, path);
    }
  };
  walk(root);
  for (const [name, file] of Object.entries(vendorFiles())) files.set(`/vendor/${name}`, file);
  return files;
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

/**
 * The Content-Security-Policy of the page: its own origin only; the inline
 * import map by hash; requests also to the sign-in provider's token endpoint
 * when there is one (`connectOrigins`, e.g. `https://<domain>.auth.<region>.amazoncognito.com`).
 * The same function makes the local server's header and the CloudFront
 * response headers policy's.
 */
export function contentSecurityPolicy(indexHtml: string, connectOrigins: readonly string[] = []): string {
  const hashes = [...indexHtml.matchAll(/<script type="importmap">([\s\S]*?)<\/script>/g)].map(
    (m) => `'sha256-${createHash('sha256').update(m[1]!).digest('base64')}'`,
  );
  return [
    "default-src 'none'",
    `script-src 'self' ${hashes.join(' ')}`.trim(),
    "style-src 'self'",
    "img-src 'self' data:",
    ["connect-src 'self'", ...connectOrigins].join(' '),
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export interface WebPageOptions {
  /** Default: the page's files in this package. */
  readonly root?: string;
  /** What `/config.json` answers (read per request: the sign-in provider may start after this handler). Default: no sign-in. */
  readonly config?: () => WebPageConfig;
}

/** A request handler for the page's files (GET/HEAD; 404 for anything else that is not a file). */
export function createWebPageHandler(
  options: WebPageOptions = {},
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const root = options.root ?? STATIC_ROOT;
  const files = webPageFiles(root);
  const indexHtml = readFileSync(join(root, 'index.html'), 'utf8');
  const config = options.config ?? (() => NO_SIGN_IN);
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
    if (path === '/config.json') {
      return send(
        res,
        200,
        `${JSON.stringify(config())}\n`,
        { 'content-type': CONTENT_TYPES['.json']!, 'cache-control': 'no-cache' },
        head,
      );
    }
    const file = files.get(path === '/' ? '/index.html' : path);
    const cache = path.startsWith('/vendor/') ? 'public, max-age=3600' : 'no-cache';
    if (!file) {
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
        ...(type.startsWith('text/html') && {
          'content-security-policy': contentSecurityPolicy(indexHtml, signInConnectOrigins(config().signIn)),
        }),
      },
      head,
    );
  };
}
