import { describe, expect, it } from 'vitest';
import { createReviewApi, ROUTES, type ReviewApiDeps } from '../../../src/api/review-api.ts';
import { authorize, groupsOf, roleFor, rolesOf, ROUTE_ROLES, type ApiAuthMode } from '../../../src/api/roles.ts';
import { apiGatewayEvent } from '../../support/api-events.ts';
import { lambdaContext } from '../../support/lambda.ts';

/** Deps that fail the test if a refused request reaches a route. */
const unreachable = (): ReviewApiDeps => {
  throw new Error('a refused request reached a route');
};

const api = (mode: ApiAuthMode) => createReviewApi(unreachable, { auth: () => mode });
const concrete = (path: string) => path.replace(/:(\w+)/g, 'x');
const keyOf = (r: (typeof ROUTES)[number]) => `${r.method} ${r.path}`;

describe('roles from groups', () => {
  it("reads API Gateway's claim form, JSON arrays, lists and single names", () => {
    expect(groupsOf('[admins reviewers]')).toEqual(['admins', 'reviewers']);
    expect(groupsOf('[reviewers]')).toEqual(['reviewers']);
    expect(groupsOf('["admins","reviewers"]')).toEqual(['admins', 'reviewers']);
    expect(groupsOf(['admins'])).toEqual(['admins']);
    expect(groupsOf('reviewers')).toEqual(['reviewers']);
    expect(groupsOf('[]')).toEqual([]);
    expect(groupsOf(undefined)).toEqual([]);
    expect(groupsOf(42)).toEqual([]);
  });

  it('admins may do everything reviewers may; other groups grant nothing', () => {
    expect(rolesOf(['admins'])).toEqual(['reviewers', 'admins']);
    expect(rolesOf(['reviewers'])).toEqual(['reviewers']);
    expect(rolesOf(['everyone', 'Admins'])).toEqual([]);
  });
});

describe('every route of the review API has a role, checked before the route runs', () => {
  it('ROUTE_ROLES lists exactly the routes of the API', () => {
    expect(Object.keys(ROUTE_ROLES).sort()).toEqual(ROUTES.map(keyOf).sort());
  });

  it('reviewers read and give feedback; only admins retrain, promote and roll back; an unlisted route needs admins', () => {
    expect(
      ROUTES.filter((r) => roleFor(keyOf(r)) === 'admins')
        .map(keyOf)
        .sort(),
    ).toEqual(['POST /api/models/:version/promote', 'POST /api/models/rollback', 'POST /api/retrain']);
    expect(roleFor('PUT /api/predictions/:ticketId/feedback')).toBe('reviewers');
    expect(roleFor('DELETE /api/predictions/:ticketId/feedback')).toBe('reviewers');
    expect(roleFor('DELETE /api/models/:version')).toBe('admins');
  });

  it.each(ROUTES.map((r) => [keyOf(r), r] as const))(
    '%s: 401 without a token, 403 naming the role for a caller without it',
    async (key, route) => {
      const call = (claims?: Record<string, string>) =>
        api('jwt')(apiGatewayEvent(route.method, concrete(route.path), claims ? { claims } : {}), lambdaContext());
      const anonymous = await call();
      expect(anonymous.statusCode).toBe(401);
      expect(JSON.parse(anonymous.body).error).toBe('Unauthorized');
      const nobody = await call({ sub: 'u1', 'cognito:groups': '[visitors]' });
      expect(nobody.statusCode).toBe(403);
      const needed = ROUTE_ROLES[key]!;
      expect(JSON.parse(nobody.body)).toEqual({
        error: 'Forbidden',
        message: `${key} needs the ${needed} role; you are in neither group (an admin can add you to reviewers or admins)`,
      });
      if (needed === 'admins') {
        const reviewer = await call({ sub: 'u2', 'cognito:groups': '[reviewers]' });
        expect(reviewer.statusCode).toBe(403);
        expect(JSON.parse(reviewer.body).message).toBe(`${key} needs the admins role; you have the reviewers role`);
      }
    },
  );

  it('a path no route matches: 401 without a token in jwt mode (as API Gateway), 404 with one', async () => {
    const event = (claims?: Record<string, string>) =>
      apiGatewayEvent('GET', '/api/nothing-here', claims ? { claims } : {});
    expect((await api('jwt')(event(), lambdaContext())).statusCode).toBe(401);
    expect((await api('jwt')(event({ 'cognito:groups': '[reviewers]' }), lambdaContext())).statusCode).toBe(404);
    expect((await api('none')(event(), lambdaContext())).statusCode).toBe(404);
  });

  it('in none mode (local, no sign-in) nothing is checked; in jwt mode the right role lets the request through', () => {
    expect(() => authorize(apiGatewayEvent('POST', '/api/retrain'), 'POST /api/retrain', 'none')).not.toThrow();
    const admin = apiGatewayEvent('POST', '/api/retrain', { claims: { 'cognito:groups': '[admins]' } });
    expect(() => authorize(admin, 'POST /api/retrain', 'jwt')).not.toThrow();
    const reviewer = apiGatewayEvent('GET', '/api/stats', { claims: { 'cognito:groups': '[reviewers]' } });
    expect(() => authorize(reviewer, 'GET /api/stats', 'jwt')).not.toThrow();
  });
});
