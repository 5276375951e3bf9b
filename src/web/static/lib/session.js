/**
 * Who is using the page, and the token its API requests carry.
 *
 * `/config.json` (next to the page's files) says whether to sign in. Without
 * sign-in (`npm start`) there is no session: everyone may do everything and
 * requests carry no token. With sign-in (on AWS, or `triage start --auth oidc`)
 * the page signs in with oidc-client-ts: the authorization code flow with
 * PKCE, a public client, tokens in sessionStorage (this tab only; never
 * localStorage), refreshed with the refresh token when they are about to
 * expire; when they cannot be refreshed any more, the page goes back to the
 * sign-in page and, signed in again, to where the person was.
 *
 * The API gets the ID token (its audience is the page's client, which the API
 * Gateway JWT authorizer checks; it names the person and their groups). The
 * groups decide what the page shows: reviewers review, admins also retrain,
 * put a version in service and roll back (the API enforces the same roles:
 * src/api/roles.ts).
 */

/** Set while signed out on purpose, so that the page offers to sign in instead of signing in at once. */
const SIGNED_OUT = 'triage.signedOut';
/** A token is refreshed before use when less than this share of its lifetime is left (at most 30 s before it expires). */
const REFRESH_SHARE = 0.25;
const REFRESH_MARGIN_MAX_S = 30;

/**
 * Whether the user's ID token (what the API gets) expires soon, by its own `iat` and `exp`.
 * @param {import('oidc-client-ts').User} user
 */
function expiresSoon(user) {
  const { iat, exp } = /** @type {{ iat?: number, exp?: number }} */ (user.profile);
  if (typeof exp !== 'number') return user.expired !== false;
  const lifetime = typeof iat === 'number' ? exp - iat : 3600;
  const margin = Math.min(REFRESH_MARGIN_MAX_S, lifetime * REFRESH_SHARE);
  return exp - Date.now() / 1000 < margin;
}

/**
 * @typedef {{ authority: string, clientId: string, scope: string, signOut: 'oidc' | 'cognito',
 *   metadata?: Record<string, string> }} SignInConfig
 */

/** @type {import('oidc-client-ts').UserManager | null} */
let manager = null;
/** @type {SignInConfig | null} */
let config = null;
/** @type {Promise<import('oidc-client-ts').User | null> | null} */
let refreshing = null;

/** The person signed in (`signedIn` false without sign-in). */
export const session = {
  signedIn: false,
  /** The name shown, and recorded by the API as `by`: the token's email (or username). */
  name: '',
  /** @type {string[]} */
  groups: [],
};

/** Raised when the page is on its way to the sign-in page. */
export class SignInRequired extends Error {
  constructor() {
    super('signing in again…');
    this.name = 'SignInRequired';
  }
}

/**
 * The role each thing the page offers needs: the API's roles for the same
 * routes (src/api/roles.ts). Admins may do everything reviewers may.
 * @type {Readonly<Record<'review' | 'retrain' | 'promote' | 'rollback', 'reviewers' | 'admins'>>}
 */
const ACTION_ROLES = { review: 'reviewers', retrain: 'admins', promote: 'admins', rollback: 'admins' };

/**
 * What the person may do: `review` (reviewers and admins); `retrain`, `promote`
 * (put a version in service) and `rollback` (admins). Everything without sign-in.
 * @param {keyof typeof ACTION_ROLES} action
 */
export function can(action) {
  if (!manager) return true;
  const admin = session.groups.includes('admins');
  return ACTION_ROLES[action] === 'admins' ? admin : admin || session.groups.includes('reviewers');
}

/** @param {import('oidc-client-ts').User} user */
function adopt(user) {
  const profile = /** @type {Record<string, unknown>} */ (user.profile);
  session.signedIn = true;
  session.name = String(profile.email ?? profile['cognito:username'] ?? profile.preferred_username ?? profile.sub);
  const groups = profile['cognito:groups'];
  session.groups = Array.isArray(groups) ? groups.map(String) : typeof groups === 'string' ? [groups] : [];
}

/** The page's address without query or hash: its sign-in redirect and sign-out URI. */
const home = () => `${window.location.origin}/`;

/**
 * Starts the session: reads `/config.json`, finishes a sign-in that comes
 * back from the provider, and signs in when there is no valid session.
 * @returns {Promise<{ state: 'ready' } | { state: 'signed-out' } | { state: 'redirecting' } | { state: 'error', message: string }>}
 */
export async function startSession() {
  const response = await fetch('/config.json', { headers: { accept: 'application/json' } }).catch(() => null);
  // No config.json at all: a page served without sign-in. One that cannot be read: do not guess.
  if (!response || (!response.ok && response.status !== 404))
    return { state: 'error', message: "the page's settings (/config.json) could not be loaded; reload the page" };
  const pageConfig = response.ok ? await response.json().catch(() => null) : { signIn: null };
  if (!pageConfig) return { state: 'error', message: "the page's settings (/config.json) are not valid JSON" };
  config = pageConfig.signIn ?? null;
  if (!config) return { state: 'ready' };

  const { UserManager, WebStorageStateStore } = await import('oidc-client-ts');
  const store = new WebStorageStateStore({ store: window.sessionStorage });
  manager = new UserManager({
    authority: config.authority,
    client_id: config.clientId,
    redirect_uri: home(),
    post_logout_redirect_uri: home(),
    response_type: 'code',
    scope: config.scope,
    ...(config.metadata && { metadata: config.metadata }),
    userStore: store,
    stateStore: store,
    automaticSilentRenew: false,
    monitorSession: false,
    loadUserInfo: false,
  });

  const params = new URLSearchParams(window.location.search);
  if (params.has('state') && (params.has('code') || params.has('error'))) {
    try {
      const user = await manager.signinRedirectCallback();
      // Back to where the person was, without the code in the address bar.
      const hash = typeof user.state === 'string' && user.state.startsWith('#') ? user.state : '#/review';
      window.history.replaceState(null, '', `/${hash}`);
    } catch (error) {
      window.history.replaceState(null, '', '/');
      return { state: 'error', message: error instanceof Error ? error.message : String(error) };
    }
  }

  let user = await manager.getUser();
  if (user && expiresSoon(user)) user = await refresh();
  if (!user) {
    if (window.sessionStorage.getItem(SIGNED_OUT)) return { state: 'signed-out' };
    await signIn();
    return { state: 'redirecting' };
  }
  adopt(user);
  // A token that expires while the page is idle: refresh it, or go back to sign-in.
  manager.events.addAccessTokenExpired(() => {
    token().catch(() => {});
  });
  return { state: 'ready' };
}

/** Goes to the provider's sign-in page; back here (same page of the app) afterwards. */
export async function signIn() {
  if (!manager) return;
  window.sessionStorage.removeItem(SIGNED_OUT);
  await manager.signinRedirect({ state: window.location.hash || '#/review' });
}

/** A new token through the refresh token (one request at a time), or null when that is not possible any more. */
function refresh() {
  refreshing ??= (async () => {
    try {
      const current = await manager?.getUser();
      if (!manager || !current?.refresh_token) return null;
      const user = await manager.signinSilent();
      if (user) adopt(user);
      return user;
    } catch {
      await manager?.removeUser();
      return null;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

/**
 * The ID token for an API request (null without sign-in), refreshed first
 * when it is about to expire (or `force`, after the API refused it). When it
 * cannot be refreshed, the page goes to sign-in and this throws SignInRequired.
 * @param {{ force?: boolean }} [options]
 * @returns {Promise<string | null>}
 */
export async function token({ force = false } = {}) {
  if (!manager) return null;
  let user = await manager.getUser();
  if (!user || force || expiresSoon(user)) user = await refresh();
  if (!user?.id_token) {
    await signIn();
    throw new SignInRequired();
  }
  return user.id_token;
}

/** Signs out: revokes the refresh token, forgets the tokens, ends the session at the provider, comes back signed out. */
export async function signOut() {
  if (!manager || !config) return;
  const user = await manager.getUser();
  if (user?.refresh_token && config.metadata?.revocation_endpoint)
    await manager.revokeTokens(['refresh_token']).catch(() => {});
  await manager.removeUser();
  window.sessionStorage.setItem(SIGNED_OUT, '1');
  const endSession = config.metadata?.end_session_endpoint ?? (await manager.metadataService.getEndSessionEndpoint());
  if (!endSession) {
    window.location.assign(home());
    return;
  }
  const url = new URL(endSession);
  url.searchParams.set('client_id', config.clientId);
  // Cognito's /logout takes logout_uri; OpenID Connect RP-initiated logout takes post_logout_redirect_uri.
  url.searchParams.set(config.signOut === 'cognito' ? 'logout_uri' : 'post_logout_redirect_uri', home());
  window.location.assign(url.toString());
}
