/**
 * AWS SDK v3 client settings for talking to the local servers on the loopback
 * interface. The requests still go over real HTTP to the same servers; what is
 * left out is client-side work whose only purpose is protection on a network,
 * which the local servers do not check:
 *
 * - **SigV4 signing** (`unsignedLocalSigner`): fauxqs, dynalite and the local
 *   Step Functions endpoint accept any credentials and never verify a
 *   signature (dynalite only checks that an `Authorization` header of the
 *   AWS4 shape and a date are present; fauxqs reads the region from the
 *   credential scope). Signing was ~20% of the SDK's client-side CPU per call
 *   (the SDK builds a new SignatureV4 per request, so the signing key is
 *   derived every time). So for loopback endpoints the request gets the
 *   headers of an AWS4 request with the signature marked `UNSIGNED-LOCAL`.
 *   Never used for any other endpoint: on AWS every request is signed as usual.
 * - **SQS MD5 checks** of sent and received bodies (`md5: false`).
 * - **Flexible checksums** computed/validated only when an operation requires
 *   them (`WHEN_REQUIRED`).
 * - **Middleware resolution per call**: `cacheMiddleware` resolves a client's
 *   middleware stack once per command class. Not for DynamoDB: the
 *   `DynamoDBDocumentClient` shares its client's config, and its commands
 *   ignore the command passed to a cached handler (lib-dynamodb), so a cached
 *   handler would send the first command again.
 * - **Endpoint rules per call** (`endpointProvider`): for SQS, Step Functions
 *   and DynamoDB a configured endpoint is the endpoint, whatever the
 *   operation, so the rule set is not evaluated for every request. (S3 keeps
 *   its rules: they put the bucket into the path.)
 * - **The User-Agent header** (`tuneLocalClient`, SQS and Step Functions):
 *   built per request from the SDK's feature flags; the local servers never
 *   read it. (DynamoDB keeps it: Powertools idempotency places its own
 *   middleware relative to it, and does not work without.)
 * - **Dictionary-mode config** (`tuneLocalClient`): see there.
 *
 * It lives with the SDK clients (not in `src/local`): production code builds
 * its clients with it (`createAwsClients`), and production code never imports
 * the emulator. The local runtime imports it from here for its own clients.
 */

import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { SQSClient } from '@aws-sdk/client-sqs';
import toFastProperties from 'to-fast-properties';

/** The part of the SDK's HttpRequest a signer touches. */
interface SignableRequest {
  headers: Record<string, string>;
}

/** `http(s)://127.x.x.x`, `localhost` or `[::1]`, any port: the local servers. */
export function isLoopbackEndpoint(endpoint: string | undefined): boolean {
  if (endpoint === undefined) return false;
  let host: string;
  try {
    host = new URL(endpoint).hostname;
  } catch {
    return false;
  }
  return host === 'localhost' || host === '[::1]' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

let lastSecond = -1;
let lastAmzDate = '';
/** `YYYYMMDDTHHMMSSZ`, computed once per second. */
function amzDate(date: Date): string {
  const second = Math.floor(date.getTime() / 1000);
  if (second !== lastSecond) {
    lastSecond = second;
    lastAmzDate = date
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d{3}/, '');
  }
  return lastAmzDate;
}

/**
 * A `signer` for the SDK config that adds the headers of a SigV4 request
 * (date, credential scope) without computing a signature. For loopback
 * endpoints only (see above).
 */
export const unsignedLocalSigner = {
  async sign<R extends SignableRequest>(
    request: R,
    options: { signingDate?: Date; signingRegion?: string; signingService?: string } = {},
  ): Promise<R> {
    const date = amzDate(options.signingDate ?? new Date());
    const scope = `${date.slice(0, 8)}/${options.signingRegion ?? 'us-east-1'}/${options.signingService ?? 'local'}/aws4_request`;
    request.headers['x-amz-date'] = date;
    request.headers.authorization = `AWS4-HMAC-SHA256 Credential=local/${scope}, SignedHeaders=host;x-amz-date, Signature=UNSIGNED-LOCAL`;
    return request;
  },
};

export type LocalClientService = 'sqs' | 's3' | 'dynamodb' | 'sfn';

/**
 * Settings to spread into a client's constructor config when its endpoint is
 * a local server; `{}` for any other endpoint (and for no endpoint, i.e. AWS).
 */
export function localClientSettings(
  service: LocalClientService,
  endpoint: string | undefined,
): Record<string, unknown> {
  if (!isLoopbackEndpoint(endpoint)) return {};
  return {
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...(service !== 'dynamodb' && { cacheMiddleware: true }),
    ...(service === 'sqs' && { md5: false }),
    // S3 is off the hot path (models are cached) and its uploads rely on signed payload headers.
    ...(service !== 's3' && { signer: unsignedLocalSigner }),
    ...(service !== 's3' && { endpointProvider: fixedEndpoint(endpoint!) }),
  };
}

/** An endpoint provider that answers `endpoint` for every request (no rule set; the SDK's own resolvers share cached endpoints too). */
function fixedEndpoint(endpoint: string): () => { url: URL } {
  const resolved = { url: new URL(endpoint) };
  return () => resolved;
}

/**
 * What constructor settings cannot do for a client of a loopback endpoint;
 * leaves any other client as it is. Returns the client.
 *
 * - SQS and Step Functions clients lose the User-Agent middleware (see above).
 * - The resolved config gets fast (non-dictionary) properties in V8. The SDK
 *   builds it as one object literal of ~50 properties, which V8 stores as a
 *   dictionary, and its middleware spreads that object into a new one several
 *   times per request (`{ ...config, ...context }`): ~13 µs per spread in
 *   dictionary mode, ~1 µs with fast properties. The object keeps its identity
 *   (the middleware holds it); only V8's layout of it changes
 *   (`to-fast-properties`: the object briefly serves as a prototype, which V8
 *   stores with fast properties). Measured with `npm run bench:pipeline`
 *   (docs/benchmarks.md).
 */
export function tuneLocalClient<C extends S3Client | SQSClient | SFNClient | DynamoDBClient>(
  service: LocalClientService,
  client: C,
  endpoint: string | undefined,
): C {
  if (!isLoopbackEndpoint(endpoint)) return client;
  if (service === 'sqs' || service === 'sfn')
    (client as SQSClient | SFNClient).middlewareStack.remove('getUserAgentMiddleware');
  toFastProperties(client.config);
  return client;
}
