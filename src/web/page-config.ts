/**
 * What the review page learns at start from `/config.json`, next to its files:
 * how to sign in, or that it need not. Locally the HTTP server answers it
 * (`triage start`, `--auth oidc`); on AWS the CDK app writes it into the
 * page's bucket (infra/web/review-page.ts). No token or secret is in it.
 */

/** The OpenID Connect provider metadata the page needs (skips discovery when given). */
export interface WebSignInMetadata {
  readonly issuer: string;
  readonly authorization_endpoint: string;
  readonly token_endpoint: string;
  readonly revocation_endpoint?: string;
  readonly end_session_endpoint?: string;
  readonly userinfo_endpoint?: string;
  readonly jwks_uri?: string;
}

export interface WebSignInConfig {
  /** The issuer (`iss` of the tokens). */
  readonly authority: string;
  /** The page's public client (no secret). */
  readonly clientId: string;
  readonly scope: string;
  /**
   * How to sign out at the provider: `oidc` (RP-initiated logout:
   * `post_logout_redirect_uri`) or `cognito` (Cognito's `/logout` with
   * `client_id` and `logout_uri`).
   */
  readonly signOut: 'oidc' | 'cognito';
  /** Endpoints, so the page needs no discovery request; absent: discovered from the authority. */
  readonly metadata?: WebSignInMetadata;
}

export interface WebPageConfig {
  /** null: no sign-in (the local stack without `--auth`). */
  readonly signIn: WebSignInConfig | null;
}

export const NO_SIGN_IN: WebPageConfig = { signIn: null };

/** The origins the page's sign-in code sends requests to (the CSP's connect-src beyond 'self'). */
export function signInConnectOrigins(signIn: WebSignInConfig | null): string[] {
  if (!signIn) return [];
  const urls = signIn.metadata
    ? [signIn.metadata.token_endpoint, signIn.metadata.revocation_endpoint]
    : [signIn.authority];
  return [...new Set(urls.filter((u): u is string => !!u).map((u) => new URL(u).origin))];
}
