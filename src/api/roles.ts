import type { Middleware } from '@aws-lambda-powertools/event-handler/types';
import type { APIGatewayProxyEventV2, APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { ApiError } from './http.ts';

/**
 * Who may do what through the review API. People belong to groups of the
 * identity provider (Cognito user pool groups on AWS, the local OpenID Connect
 * provider's users with `triage start --auth oidc`), carried in the token's
 * `cognito:groups` claim:
 *
 * | role | may |
 * | --- | --- |
 * | `reviewers` | read predictions, stats, models and runs; give and undo feedback |
 * | `admins` | everything reviewers may; start a retraining, put a version in service, roll back |
 *
 * Putting a version in service and rolling back are a person's decisions,
 * recorded with who made them (`by` from the token) and why; the retraining
 * gate still decides every automatic promotion. Operators with IAM
 * credentials do the same with `triage models promote|rollback --target aws`.
 */
export const ROLES = ['reviewers', 'admins'] as const;
export type Role = (typeof ROLES)[number];

/** The claim that lists the caller's groups (Cognito's name; the local provider issues the same). */
export const GROUPS_CLAIM = 'cognito:groups';

/** How the API learns who is calling: `none` (local, no sign-in: everyone may do everything) or `jwt` (a JWT authorizer's claims, required). */
export type ApiAuthMode = 'none' | 'jwt';

/**
 * The role each route needs, by `METHOD path-pattern` (the routes of
 * src/api/review-api.ts, as the router names them). A test checks that every
 * route is listed: a route missing here needs the strongest role (admins).
 */
export const ROUTE_ROLES: Readonly<Record<string, Role>> = {
  'GET /api/predictions': 'reviewers',
  'GET /api/predictions/:ticketId': 'reviewers',
  'PUT /api/predictions/:ticketId/feedback': 'reviewers',
  'DELETE /api/predictions/:ticketId/feedback': 'reviewers',
  'GET /api/stats': 'reviewers',
  'GET /api/models': 'reviewers',
  'GET /api/models/:version': 'reviewers',
  'POST /api/models/:version/promote': 'admins',
  'POST /api/models/rollback': 'admins',
  'GET /api/runs': 'reviewers',
  'GET /api/runs/:executionName': 'reviewers',
  'GET /api/workflows': 'reviewers',
  'GET /api/workflows/:name': 'reviewers',
  'POST /api/retrain': 'admins',
};

/** The role a route (`GET /api/predictions/:ticketId`) needs; a route missing from {@link ROUTE_ROLES} needs the strongest one. */
export const roleFor = (routeKey: string): Role => ROUTE_ROLES[routeKey] ?? 'admins';

/**
 * The groups in a claim value. API Gateway's JWT authorizer hands claims to
 * the function as strings, an array as `[admins reviewers]` (space-separated
 * in brackets); a JSON array, a plain list or one name are read too.
 */
export function groupsOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String).filter(Boolean);
  if (typeof value !== 'string') return [];
  const text = value.trim();
  if (text.startsWith('[') && text.endsWith(']')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (Array.isArray(parsed)) return parsed.map(String).filter(Boolean);
    } catch {
      // API Gateway's form: [a b c]
    }
    return text
      .slice(1, -1)
      .split(/[\s,]+/)
      .map((g) => g.trim())
      .filter(Boolean);
  }
  return text
    .split(/[\s,]+/)
    .map((g) => g.trim())
    .filter(Boolean);
}

/** The roles a set of groups grants (admins may do everything reviewers may). */
export function rolesOf(groups: readonly string[]): Role[] {
  const roles = new Set<Role>();
  if (groups.includes('admins')) roles.add('admins').add('reviewers');
  if (groups.includes('reviewers')) roles.add('reviewers');
  return ROLES.filter((r) => roles.has(r));
}

/** The JWT authorizer's claims of a request, when it came through one. */
export function claimsOf(event: APIGatewayProxyEventV2): Record<string, unknown> | undefined {
  return (event as APIGatewayProxyEventV2WithJWTAuthorizer).requestContext?.authorizer?.jwt?.claims as
    | Record<string, unknown>
    | undefined;
}

/**
 * Refuses a request its caller's roles do not allow: 401 without a token's
 * claims (`jwt` mode), 403 naming the role the route (`routeKey`, e.g.
 * `POST /api/retrain`) needs. In `none` mode (the local stack without
 * sign-in) every request is allowed.
 */
export function authorize(event: APIGatewayProxyEventV2, routeKey: string, mode: ApiAuthMode): void {
  if (mode === 'none') return;
  const claims = claimsOf(event);
  if (!claims) throw new ApiError('Unauthorized', 'sign in first: this API needs a token from the review page sign-in');
  const needed = roleFor(routeKey);
  const roles = rolesOf(groupsOf(claims[GROUPS_CLAIM]));
  if (roles.includes(needed)) return;
  const held = roles.length
    ? `you have the ${roles.join(' and ')} role${roles.length > 1 ? 's' : ''}`
    : 'you are in neither group (an admin can add you to reviewers or admins)';
  throw new ApiError('Forbidden', `${routeKey} needs the ${needed} role; ${held}`);
}

/**
 * The role check as the review API's middleware (src/api/review-api.ts puts it
 * before every route): the one place where roles are enforced. A request that
 * matches no route goes on (to its 404 or 405), but without claims in `jwt`
 * mode it is refused first, as API Gateway's authorizer would.
 */
export function roleCheck(modeOf: () => ApiAuthMode): Middleware {
  return async ({ reqCtx, next }) => {
    const event = reqCtx.event as APIGatewayProxyEventV2;
    const mode = modeOf();
    if (reqCtx.route) authorize(event, reqCtx.route, mode);
    else if (mode === 'jwt' && !claimsOf(event))
      throw new ApiError('Unauthorized', 'sign in first: this API needs a token from the review page sign-in');
    await next();
  };
}
