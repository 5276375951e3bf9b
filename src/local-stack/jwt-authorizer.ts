/**
 * The local stand-in for an API Gateway HTTP API JWT authorizer
 * (identity source `$request.header.Authorization`): the local HTTP server asks
 * it about every `/api/` request before calling the handler, as API Gateway
 * does on AWS. It checks what API Gateway checks:
 *
 * - the token is a JWS signed with an RSA algorithm by a key of the issuer's
 *   JWKS (`jwks_uri` of `<issuer>/.well-known/openid-configuration`), found by `kid`;
 * - `iss` is the issuer;
 * - `aud` is one of the audiences, or, when the token has no `aud`, `client_id` is;
 * - `exp` is in the future, `nbf` and `iat` are not.
 *
 * A refused request gets API Gateway's answer (401 `{"message":"Unauthorized"}`
 * with a `www-authenticate` header); an allowed one gets the token's claims the
 * way API Gateway hands them to the function: every value a string, an array
 * as `[a b]`, null values left out.
 */
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from 'jose';

export interface JwtAuthorizerOptions {
  /** The token issuer (`iss`), whose `/.well-known/openid-configuration` names the JWKS. */
  readonly issuer: string;
  /** Accepted `aud` (or, without `aud`, `client_id`) values. */
  readonly audience: readonly string[];
}

/** `requestContext.authorizer.jwt` of the event, as API Gateway fills it. */
export interface JwtAuthorizerContext {
  readonly claims: Record<string, string>;
  /** API Gateway sets scopes only for routes with authorization scopes; ours have none. */
  readonly scopes: null;
}

export type AuthorizerDecision =
  | { readonly allowed: true; readonly jwt: JwtAuthorizerContext }
  | {
      readonly allowed: false;
      readonly statusCode: 401;
      readonly headers: Record<string, string>;
      readonly body: string;
      /** Why, for the server's log (never the token). */
      readonly reason: string;
    };

export interface JwtAuthorizer {
  authorize(authorizationHeader: string | undefined): Promise<AuthorizerDecision>;
}

/** API Gateway accepts only RSA signatures. */
const ALGORITHMS = ['RS256', 'RS384', 'RS512'];

/** A claim value as API Gateway passes it to the function (measured behaviour, see the module comment). */
export function claimValue(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return `[${value.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(' ')}]`;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function refused(reason: string, description?: string): AuthorizerDecision {
  return {
    allowed: false,
    statusCode: 401,
    headers: {
      'content-type': 'application/json',
      'www-authenticate': description
        ? `Bearer scope="" error="invalid_token" error_description="${description}"`
        : 'Bearer',
    },
    body: JSON.stringify({ message: 'Unauthorized' }),
    reason,
  };
}

export function createJwtAuthorizer(options: JwtAuthorizerOptions): JwtAuthorizer {
  const issuer = options.issuer;
  let jwks: ReturnType<typeof createRemoteJWKSet> | undefined;

  /** The issuer's JWKS, found through its discovery document (once). */
  async function keys(): Promise<ReturnType<typeof createRemoteJWKSet>> {
    if (jwks) return jwks;
    const response = await fetch(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`);
    if (!response.ok) throw new Error(`the issuer's discovery document answered ${response.status}`);
    const discovery = (await response.json()) as { issuer?: string; jwks_uri?: string };
    if (!discovery.jwks_uri) throw new Error("the issuer's discovery document has no jwks_uri");
    jwks = createRemoteJWKSet(new URL(discovery.jwks_uri));
    return jwks;
  }

  return {
    async authorize(header) {
      const token = header?.replace(/^Bearer\s+/i, '').trim();
      if (!token) return refused('no token in the Authorization header');
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, await keys(), {
          issuer,
          algorithms: ALGORITHMS,
          requiredClaims: ['exp'],
          clockTolerance: 0,
        }));
      } catch (error) {
        if (error instanceof errors.JWTExpired) return refused('the token has expired', 'the token has expired');
        if (error instanceof errors.JWTClaimValidationFailed)
          return refused(`claim ${error.claim} is not valid`, `the token ${error.claim} is not valid`);
        if (error instanceof errors.JOSEError) return refused(error.code, 'the token is not valid');
        throw error;
      }
      const now = Math.floor(Date.now() / 1000);
      if (typeof payload.iat === 'number' && payload.iat > now)
        return refused('iat is in the future', 'the token iat is not valid');
      const audiences = payload.aud === undefined ? [] : Array.isArray(payload.aud) ? payload.aud : [payload.aud];
      const accepted =
        audiences.length > 0
          ? audiences.some((a) => options.audience.includes(a))
          : typeof payload.client_id === 'string' && options.audience.includes(payload.client_id);
      if (!accepted) return refused('neither aud nor client_id is an accepted audience', 'the token aud is not valid');
      const claims: Record<string, string> = {};
      for (const [name, value] of Object.entries(payload)) {
        const text = claimValue(value);
        if (text !== undefined) claims[name] = text;
      }
      return { allowed: true, jwt: { claims, scopes: null } };
    },
  };
}
