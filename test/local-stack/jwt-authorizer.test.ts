import { createServer, type Server } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endpointUrl, listen } from '../../src/local/http-util.ts';
import { claimValue, createJwtAuthorizer, type JwtAuthorizer } from '../../src/local-stack/jwt-authorizer.ts';

/**
 * The local JWT authorizer against a real issuer on 127.0.0.1 (discovery
 * document + JWKS), with tokens signed by jose: it accepts and refuses what
 * API Gateway's JWT authorizer accepts and refuses, and hands the claims over
 * in API Gateway's form.
 */
let server: Server;
let issuer: string;
let key: CryptoKey;
let otherKey: CryptoKey;
let authorizer: JwtAuthorizer;

beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  key = pair.privateKey;
  ({ privateKey: otherKey } = await generateKeyPair('RS256'));
  const publicJwk = await exportJWK(pair.publicKey);
  server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url === '/.well-known/openid-configuration')
      return res.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks` }));
    if (req.url === '/jwks') return res.end(JSON.stringify({ keys: [{ ...publicJwk, kid: 'k1', alg: 'RS256' }] }));
    res.statusCode = 404;
    res.end('{}');
  });
  issuer = endpointUrl(await listen(server, 0));
  authorizer = createJwtAuthorizer({ issuer, audience: ['page-client'] });
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const now = () => Math.floor(Date.now() / 1000);

function token(claims: Record<string, unknown>, options: { kid?: string; signWith?: CryptoKey; alg?: string } = {}) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: options.alg ?? 'RS256', kid: options.kid ?? 'k1' })
    .sign(options.signWith ?? key);
}

const valid = () => ({
  iss: issuer,
  aud: 'page-client',
  sub: 'u-1',
  email: 'ana@example.com',
  'cognito:groups': ['admins', 'reviewers'],
  email_verified: true,
  iat: now() - 5,
  exp: now() + 300,
  nothing: null,
});

describe('the local JWT authorizer (as API Gateway HTTP API JWT authorizers)', () => {
  it('accepts a valid token, with or without the Bearer prefix, and passes the claims as API Gateway does', async () => {
    const jwt = await token(valid());
    for (const header of [`Bearer ${jwt}`, `bearer ${jwt}`, jwt]) {
      const decision = await authorizer.authorize(header);
      expect(decision.allowed).toBe(true);
      if (!decision.allowed) continue;
      expect(decision.jwt.scopes).toBeNull();
      expect(decision.jwt.claims).toMatchObject({
        iss: issuer,
        sub: 'u-1',
        'cognito:groups': '[admins reviewers]',
        email_verified: 'true',
      });
      expect(typeof decision.jwt.claims.exp).toBe('string');
      expect(decision.jwt.claims).not.toHaveProperty('nothing');
    }
  });

  it('accepts an access token without aud by its client_id (as Cognito access tokens)', async () => {
    const { aud: _aud, ...claims } = valid();
    expect((await authorizer.authorize(await token({ ...claims, client_id: 'page-client' }))).allowed).toBe(true);
    const other = await authorizer.authorize(await token({ ...claims, client_id: 'someone-else' }));
    expect(other.allowed).toBe(false);
  });

  it.each([
    ['no Authorization header', async () => undefined, 'Bearer'],
    ['an expired token', async () => token({ ...valid(), exp: now() - 1 }), 'the token has expired'],
    ['another issuer', async () => token({ ...valid(), iss: 'http://127.0.0.1:1' }), 'the token iss is not valid'],
    ['another audience', async () => token({ ...valid(), aud: 'other-client' }), 'the token aud is not valid'],
    ['not valid yet (nbf)', async () => token({ ...valid(), nbf: now() + 60 }), 'the token nbf is not valid'],
    ['issued in the future (iat)', async () => token({ ...valid(), iat: now() + 60 }), 'the token iat is not valid'],
    ['no exp', async () => token({ ...valid(), exp: undefined }), 'the token exp is not valid'],
    ['signed by an unknown key', async () => token(valid(), { signWith: otherKey }), 'the token is not valid'],
    ['an unknown kid', async () => token(valid(), { kid: 'k2' }), 'the token is not valid'],
    ['not a JWT', async () => 'not-a-token', 'the token is not valid'],
    [
      'alg none',
      async () =>
        `${Buffer.from('{"alg":"none","kid":"k1"}').toString('base64url')}.${Buffer.from(JSON.stringify(valid())).toString('base64url')}.`,
      'the token is not valid',
    ],
  ])('refuses %s with 401 Unauthorized', async (_name, make, description) => {
    const jwt = await make();
    const decision = await authorizer.authorize(jwt === undefined ? undefined : `Bearer ${jwt}`);
    expect(decision.allowed).toBe(false);
    if (decision.allowed) return;
    expect(decision.statusCode).toBe(401);
    expect(JSON.parse(decision.body)).toEqual({ message: 'Unauthorized' });
    expect(decision.headers['www-authenticate']).toBe(
      description === 'Bearer' ? 'Bearer' : `Bearer scope="" error="invalid_token" error_description="${description}"`,
    );
  });

  it('renders claim values as API Gateway does', () => {
    expect(claimValue('a')).toBe('a');
    expect(claimValue(['a', 'b'])).toBe('[a b]');
    expect(claimValue([1, 2])).toBe('[1 2]');
    expect(claimValue(12)).toBe('12');
    expect(claimValue(false)).toBe('false');
    expect(claimValue({ a: 1 })).toBe('{"a":1}');
    expect(claimValue(null)).toBeUndefined();
  });
});
