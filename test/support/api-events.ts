import type { APIGatewayProxyEventV2 } from 'aws-lambda';

export interface ApiRequest {
  readonly query?: Record<string, string>;
  /** Sent as JSON. */
  readonly body?: unknown;
  /** Sent as it is (e.g. to test a body that is not JSON). */
  readonly rawBody?: string;
  /** JWT claims, as the HTTP API's JWT authorizer passes them. */
  readonly claims?: Record<string, string>;
}

/** A typed API Gateway HTTP API (v2) event, as the review-api Lambda receives it. */
export function apiGatewayEvent(method: string, path: string, request: ApiRequest = {}): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: new URLSearchParams(request.query ?? {}).toString(),
    headers: { 'content-type': 'application/json' },
    ...(request.query && { queryStringParameters: request.query }),
    requestContext: {
      accountId: '000000000000',
      apiId: 'test',
      domainName: 'localhost',
      domainPrefix: 'test',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'vitest' },
      requestId: 'req-test',
      routeKey: '$default',
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
      ...(request.claims && { authorizer: { jwt: { claims: request.claims, scopes: null } } }),
    },
    ...(request.rawBody !== undefined
      ? { body: request.rawBody }
      : request.body !== undefined
        ? { body: JSON.stringify(request.body) }
        : {}),
    isBase64Encoded: false,
  } as APIGatewayProxyEventV2;
}
