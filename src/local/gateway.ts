/**
 * One endpoint for every local service, like a single `AWS_ENDPOINT_URL`
 * expects: requests are handed to the right server (in-process, or proxied to
 * the emulators' worker thread) by their `X-Amz-Target` header —
 * `AWSStepFunctions.*` to Step Functions, `DynamoDB_*` to dynalite, everything
 * else (SQS JSON, S3 REST, SNS) to fauxqs.
 */
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { guardListener } from './loopback-guard.ts';

export interface GatewayTargets {
  readonly fauxqs: RequestListener;
  readonly dynamodb: RequestListener;
  readonly stepFunctions: (req: IncomingMessage, res: ServerResponse) => void;
}

export function createGatewayServer(targets: GatewayTargets): Server {
  const route: RequestListener = (req, res) => {
    const target = req.headers['x-amz-target'];
    if (typeof target === 'string') {
      if (target.startsWith('AWSStepFunctions.')) return targets.stepFunctions(req, res);
      if (target.startsWith('DynamoDB_')) return void targets.dynamodb(req, res);
    }
    void targets.fauxqs(req, res);
  };
  // Loopback names only, no web pages (see loopback-guard.ts).
  const server = createServer(guardListener(route, { browsers: 'refuse' }));
  server.keepAliveTimeout = 65_000;
  return server;
}
