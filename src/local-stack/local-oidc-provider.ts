/**
 * A real OpenID Connect provider on 127.0.0.1 for `triage start --auth oidc`:
 * the review page signs in against it exactly as it signs in against the
 * Cognito user pool on AWS (authorization code with PKCE, a public client, ID
 * tokens with `email` and `cognito:groups`, refresh tokens, sign-out), and the
 * local API checks its tokens as API Gateway's JWT authorizer checks Cognito's
 * (src/local-stack/jwt-authorizer.ts).
 *
 * It is `oidc-provider` (an OpenID Certified implementation) with what a local
 * provider needs around it: two seeded users, `reviewer` (group reviewers) and
 * `admin` (group admins), with generated passwords; its own sign-in, sign-out
 * and error pages (nothing loaded from anywhere else); signing keys, cookie
 * keys and the users' passwords kept in `<data dir>/sign-in/` (0600) so that
 * a restart keeps them; sessions and tokens in memory (a restart signs
 * everyone out).
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { closeServer, endpointUrl, listen } from '../local/http-util.ts';
import { guardListener } from '../local/loopback-guard.ts';
import type { WebSignInConfig } from '../web/page-config.ts';

/** The client id of the review page at the local provider. */
export const LOCAL_CLIENT_ID = 'ticket-triage-web';

export interface LocalUser {
  readonly username: string;
  readonly password: string;
  readonly email: string;
  readonly groups: readonly string[];
  /** A stable subject identifier, like Cognito's `sub`. */
  readonly sub: string;
}

export interface LocalOidcProviderOptions {
  /** 0 or absent: a free port. */
  readonly port?: number;
  /** Origins of the review page (`http://127.0.0.1:8080`): its redirect and sign-out URIs are `<origin>/`. */
  readonly pageOrigins: readonly string[];
  /** Where keys and users persist (`<dataDir>/sign-in/`); absent: new ones every start. */
  readonly dataDir?: string;
  /** Lifetime of ID and access tokens, seconds. Default 3600 (as the CDK app's Cognito client). */
  readonly tokenSeconds?: number;
  /** Lifetime of a sign-in session and its refresh tokens, seconds. Default 12 h (as the CDK app's refresh tokens). */
  readonly sessionSeconds?: number;
  /** Errors inside the provider (never tokens or passwords). */
  readonly onError?: (message: string) => void;
}

export interface LocalOidcProvider {
  /** `http://127.0.0.1:<port>`: the issuer of its tokens. */
  readonly issuer: string;
  readonly port: number;
  readonly clientId: string;
  readonly users: readonly LocalUser[];
  /** What the review page needs to sign in (its `config.json`). */
  readonly pageConfig: WebSignInConfig;
  /** Ends every session of a user and revokes their refresh tokens (as Cognito's AdminUserGlobalSignOut). */
  globalSignOut(username: string): Promise<void>;
  close(): Promise<void>;
}

const SEEDED: readonly Omit<LocalUser, 'password' | 'sub'>[] = [
  { username: 'reviewer', email: 'reviewer@example.com', groups: ['reviewers'] },
  { username: 'admin', email: 'admin@example.com', groups: ['admins'] },
];

interface Secrets {
  readonly signingKey: JWK;
  readonly cookieKeys: string[];
  readonly users: LocalUser[];
}

const newPassword = () => randomBytes(12).toString('base64url');

async function newSecrets(): Promise<Secrets> {
  const { privateKey } = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
  const signingKey = { ...(await exportJWK(privateKey)), kid: randomUUID(), alg: 'RS256', use: 'sig' };
  return {
    signingKey,
    cookieKeys: [randomBytes(32).toString('base64url')],
    users: SEEDED.map((u) => ({ ...u, password: newPassword(), sub: randomUUID() })),
  };
}

/** The keys and users of `<dataDir>/sign-in/secrets.json`, made on first use. */
async function loadSecrets(dataDir: string | undefined): Promise<Secrets> {
  if (!dataDir) return newSecrets();
  const dir = join(dataDir, 'sign-in');
  const file = join(dir, 'secrets.json');
  try {
    const stored = JSON.parse(readFileSync(file, 'utf8')) as Secrets;
    if (
      stored.signingKey?.d &&
      stored.cookieKeys?.length &&
      SEEDED.every((s) => stored.users?.some((u) => u.username === s.username))
    )
      return stored;
  } catch {
    // absent or unreadable: make new ones
  }
  const secrets = await newSecrets();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  chmodSync(file, 0o600);
  return secrets;
}

// ---------------------------------------------------------------------------
// Storage: oidc-provider's adapter interface over one Map, with what a global
// sign-out needs (find a user's sessions and grants).
// ---------------------------------------------------------------------------

interface Entry {
  readonly model: string;
  payload: Record<string, unknown>;
  readonly expiresAt: number | undefined;
}

class MemoryStore {
  readonly entries = new Map<string, Entry>();

  get(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry?.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  *live(model: string): Generator<[string, Entry]> {
    for (const key of [...this.entries.keys()]) {
      const entry = this.get(key);
      if (entry?.model === model) yield [key, entry];
    }
  }

  adapter(model: string) {
    const key = (id: string) => `${model}:${id}`;
    const store = this;
    return {
      async upsert(id: string, payload: Record<string, unknown>, expiresIn?: number) {
        store.entries.set(key(id), {
          model,
          payload,
          expiresAt: typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 : undefined,
        });
      },
      async find(id: string) {
        return store.get(key(id))?.payload;
      },
      async findByUid(uid: string) {
        for (const [, entry] of store.live(model)) if (entry.payload.uid === uid) return entry.payload;
        return undefined;
      },
      async findByUserCode(userCode: string) {
        for (const [, entry] of store.live(model)) if (entry.payload.userCode === userCode) return entry.payload;
        return undefined;
      },
      async consume(id: string) {
        const entry = store.get(key(id));
        if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000);
      },
      async destroy(id: string) {
        store.entries.delete(key(id));
      },
      async revokeByGrantId(grantId: string) {
        store.revokeGrant(grantId);
      },
    };
  }

  revokeGrant(grantId: string): void {
    for (const [key, entry] of this.entries) if (entry.payload.grantId === grantId) this.entries.delete(key);
    this.entries.delete(`Grant:${grantId}`);
  }

  /** Every session and grant of an account, and the tokens of those grants. */
  signOut(accountId: string): void {
    for (const [key, entry] of this.live('Session'))
      if (entry.payload.accountId === accountId) this.entries.delete(key);
    for (const [key, entry] of this.live('Grant')) {
      if (entry.payload.accountId !== accountId) continue;
      this.revokeGrant(key.slice('Grant:'.length));
    }
  }
}

// ---------------------------------------------------------------------------
// Pages: plain HTML, styles by hash, nothing from anywhere else.
// ---------------------------------------------------------------------------

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;color:#1f2328;background:#f6f8fa;margin:0}
main{max-width:22rem;margin:4rem auto;padding:1.5rem 2rem;background:#fff;border:1px solid #d0d7de;border-radius:8px}
h1{font-size:1.4rem;margin:0 0 .5rem}p{margin:.5rem 0}label{display:block;margin-top:1rem;font-weight:600}
input{box-sizing:border-box;width:100%;padding:.5rem;font:inherit;border:1px solid #8c959f;border-radius:6px}
button{margin-top:1.25rem;width:100%;padding:.6rem;font:inherit;font-weight:600;color:#fff;background:#0b5cad;border:0;border-radius:6px;cursor:pointer}
button:focus-visible,input:focus-visible{outline:3px solid #0b5cad;outline-offset:2px}.error{color:#a40e26;font-weight:600}.note{color:#57606a;font-size:.875rem}`;
const SIGN_OUT_SCRIPT = "document.querySelector('button[name=logout]').click();";
const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function page(
  title: string,
  body: string,
  formTargets: readonly string[],
  script?: string,
): { html: string; csp: string } {
  const csp = [
    "default-src 'none'",
    `style-src ${sha256(STYLE)}`,
    script ? `script-src ${sha256(script)}` : '',
    `form-action 'self' ${formTargets.join(' ')}`.trim(),
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ]
    .filter(Boolean)
    .join('; ');
  const html = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)} · ticket-triage (local)</title><style>${STYLE}</style></head>
<body><main>${body}</main>${script ? `<script>${script}</script>` : ''}</body>
</html>`;
  return { html, csp };
}

function sendPage(res: ServerResponse, status: number, content: { html: string; csp: string }): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': content.csp,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  });
  res.end(content.html);
}

function signInPage(uid: string, formTargets: readonly string[], error?: string) {
  return page(
    'Sign in',
    `<h1>Sign in to ticket-triage</h1>
<p class="note">Local sign-in (<code>triage start --auth oidc</code>). The users and their passwords are printed when the stack starts.</p>
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/interaction/${encodeURIComponent(uid)}/login" autocomplete="on">
<label for="username">Username</label><input id="username" name="username" autocomplete="username" required autofocus>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>`,
    formTargets,
  );
}

function readForm(req: IncomingMessage, limit = 8192): Promise<URLSearchParams> {
  return new Promise((resolve, reject) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      text += chunk;
      if (text.length > limit) {
        reject(new Error('the form is too large'));
        req.destroy();
      }
    });
    req.on('end', () => resolve(new URLSearchParams(text)));
    req.on('error', reject);
  });
}

const sameSecret = (given: string, expected: string) =>
  timingSafeEqual(createHash('sha256').update(given).digest(), createHash('sha256').update(expected).digest());

/**
 * oidc-provider supports Node.js 22 and later and says so once when it is
 * imported; it works on the Node.js 20 this project supports (the browser
 * tests sign in through it), so that one notice is not shown.
 */
async function importOidcProvider(): Promise<typeof import('oidc-provider')> {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].includes('Unsupported runtime')) return;
    warn(...args);
  };
  try {
    return await import('oidc-provider');
  } finally {
    console.warn = warn;
  }
}

export async function startLocalOidcProvider(options: LocalOidcProviderOptions): Promise<LocalOidcProvider> {
  const { default: Provider, errors } = await importOidcProvider();
  const secrets = await loadSecrets(options.dataDir);
  const tokenSeconds = options.tokenSeconds ?? 3600;
  const sessionSeconds = options.sessionSeconds ?? 12 * 3600;
  const pageUris = options.pageOrigins.map((origin) => `${origin.replace(/\/$/, '')}/`);
  const formTargets = options.pageOrigins.map((origin) => origin.replace(/\/$/, ''));
  const usersByName = new Map(secrets.users.map((u) => [u.username, u]));
  const store = new MemoryStore();

  let handle: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  // Loopback names only (DNS rebinding); the review page's browser is its client, so pages are let through.
  const server: Server = createServer(
    guardListener(
      (req, res) => {
        if (handle) handle(req, res);
        else res.writeHead(503).end();
      },
      { browsers: 'allow' },
    ),
  );
  const port = await listen(server, options.port ?? 0);
  const issuer = endpointUrl(port);

  const provider = new Provider(issuer, {
    adapter: (model: string) => store.adapter(model),
    clients: [
      {
        client_id: LOCAL_CLIENT_ID,
        client_name: 'ticket-triage review page',
        application_type: 'web',
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: pageUris,
        post_logout_redirect_uris: pageUris,
        id_token_signed_response_alg: 'RS256',
      },
    ],
    jwks: { keys: [secrets.signingKey] },
    cookies: { keys: secrets.cookieKeys },
    scopes: ['openid', 'email', 'profile', 'offline_access'],
    claims: {
      openid: ['sub', 'cognito:groups', 'cognito:username'],
      email: ['email', 'email_verified'],
      profile: ['name', 'preferred_username'],
    },
    // Claims of the granted scopes go into the ID token itself (as Cognito's do), not only to userinfo.
    conformIdTokenClaims: false,
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true, allowedPolicy: async () => true },
      rpInitiatedLogout: {
        enabled: true,
        async logoutSource(ctx, form) {
          const content = page(
            'Signing out',
            `<h1>Signing out…</h1>${form}<button type="submit" form="op.logoutForm" name="logout" value="yes">Sign out</button>`,
            formTargets,
            SIGN_OUT_SCRIPT,
          );
          ctx.set('content-security-policy', content.csp);
          ctx.type = 'html';
          ctx.body = content.html;
        },
        async postLogoutSuccessSource(ctx) {
          const content = page('Signed out', '<h1>Signed out</h1><p>You are signed out of ticket-triage.</p>', []);
          ctx.set('content-security-policy', content.csp);
          ctx.type = 'html';
          ctx.body = content.html;
        },
      },
    },
    async renderError(ctx, out) {
      const content = page(
        'Sign-in error',
        `<h1>Sign-in did not work</h1><p class="error">${escapeHtml(String(out.error_description ?? out.error ?? 'unknown error'))}</p><p>Go back to the review page and sign in again.</p>`,
        [],
      );
      ctx.set('content-security-policy', content.csp);
      ctx.type = 'html';
      ctx.body = content.html;
    },
    clientBasedCORS(_ctx, origin, client) {
      return client.clientId === LOCAL_CLIENT_ID && formTargets.includes(origin);
    },
    async findAccount(_ctx, id) {
      const user = usersByName.get(id);
      if (!user) return undefined;
      return {
        accountId: user.username,
        async claims() {
          return {
            sub: user.sub,
            email: user.email,
            email_verified: true,
            'cognito:username': user.username,
            'cognito:groups': [...user.groups],
            preferred_username: user.username,
            name: user.username,
          };
        },
      };
    },
    // The review page is the provider's own client: no consent screen (the grant is made here).
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId ?? ctx.oidc.session!.grantIdFor(ctx.oidc.client!.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client!.clientId,
        accountId: ctx.oidc.session!.accountId!,
      });
      grant.addOIDCScope('openid email profile');
      await grant.save();
      return grant;
    },
    // Refresh tokens for the page (as Cognito issues with every code grant), bound to the sign-in session.
    async issueRefreshToken(_ctx, client, code) {
      return client.grantTypeAllowed('refresh_token') && code.scopes.has('openid');
    },
    ttl: {
      AccessToken: tokenSeconds,
      IdToken: tokenSeconds,
      AuthorizationCode: 60,
      Interaction: 600,
      Session: sessionSeconds,
      Grant: sessionSeconds,
      RefreshToken(ctx) {
        const rotated = ctx?.oidc?.entities.RotatedRefreshToken;
        return rotated ? rotated.remainingTTL : sessionSeconds;
      },
    },
  });
  provider.on('server_error', (_ctx: unknown, error: Error) =>
    options.onError?.(`sign-in provider error: ${error.name}: ${error.message}`),
  );

  async function interaction(req: IncomingMessage, res: ServerResponse, uid: string, submit: boolean): Promise<void> {
    let details: Awaited<ReturnType<typeof provider.interactionDetails>>;
    try {
      details = await provider.interactionDetails(req, res);
    } catch (error) {
      if (error instanceof errors.SessionNotFound || error instanceof errors.InvalidRequest) {
        return sendPage(
          res,
          400,
          page(
            'Sign-in expired',
            '<h1>This sign-in has expired</h1><p>Go back to the review page and sign in again.</p>',
            [],
          ),
        );
      }
      throw error;
    }
    if (details.uid !== uid || details.prompt.name !== 'login') {
      return sendPage(res, 400, page('Sign-in error', '<h1>Unexpected sign-in step</h1>', []));
    }
    if (!submit) return sendPage(res, 200, signInPage(uid, formTargets));
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST' }).end();
      return;
    }
    const form = await readForm(req);
    const user = usersByName.get(form.get('username')?.trim() ?? '');
    const password = form.get('password') ?? '';
    if (!user || !sameSecret(password, user.password)) {
      return sendPage(res, 401, signInPage(uid, formTargets, 'Incorrect username or password.'));
    }
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId: user.username } },
      { mergeWithLastSubmission: false },
    );
  }

  const callback = provider.callback();
  handle = (req, res) => {
    const path = new URL(req.url ?? '/', issuer).pathname;
    const match = /^\/interaction\/([\w-]+)(\/login)?$/.exec(path);
    if (!match) {
      callback(req, res);
      return;
    }
    interaction(req, res, match[1]!, match[2] !== undefined).catch((error: unknown) => {
      options.onError?.(
        `sign-in page error: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
      );
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('the sign-in page failed; see the server log');
    });
  };

  const url = (path: string) => `${issuer}${path}`;
  return {
    issuer,
    port,
    clientId: LOCAL_CLIENT_ID,
    users: secrets.users,
    pageConfig: {
      authority: issuer,
      clientId: LOCAL_CLIENT_ID,
      scope: 'openid email profile',
      signOut: 'oidc',
      metadata: {
        issuer,
        authorization_endpoint: url('/auth'),
        token_endpoint: url('/token'),
        revocation_endpoint: url('/token/revocation'),
        end_session_endpoint: url('/session/end'),
        userinfo_endpoint: url('/me'),
        jwks_uri: url('/jwks'),
      },
    },
    async globalSignOut(username) {
      store.signOut(username);
    },
    close: () => closeServer(server),
  };
}
