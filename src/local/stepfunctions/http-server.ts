/**
 * The Step Functions HTTP endpoint: AWS JSON 1.0 (`POST /`, header
 * `X-Amz-Target: AWSStepFunctions.<Operation>`, `application/x-amz-json-1.0`),
 * enough for `@aws-sdk/client-sfn` pointed at it. Timestamps are epoch seconds;
 * errors are `{ "__type": <code>, "message": ... }` with `x-amzn-ErrorType`.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { guardListener } from '../loopback-guard.ts';
import { SfnApiError } from './errors.ts';
import type { StepFunctionsService } from './service.ts';

const TARGET_PREFIX = 'AWSStepFunctions.';
const MAX_BODY_BYTES = 2 * 1024 * 1024;

type Operation = (service: StepFunctionsService, body: Record<string, unknown>) => unknown;

type Input<K extends keyof StepFunctionsService> = StepFunctionsService[K] extends (input: infer I) => unknown
  ? I
  : never;

const OPERATIONS: Record<string, Operation> = {
  // Acknowledged means durable: answered once the start is committed to the journal.
  StartExecution: async (s, b) => {
    const started = await s.startExecution(b as Input<'startExecution'>);
    await s.commit();
    return started;
  },
  DescribeExecution: (s, b) => s.describeExecution(b as Input<'describeExecution'>),
  ListExecutions: (s, b) => s.listExecutions(b as Input<'listExecutions'>),
  GetExecutionHistory: (s, b) => s.getExecutionHistory(b as Input<'getExecutionHistory'>),
  StopExecution: async (s, b) => {
    const stopped = await s.stopExecution(b as Input<'stopExecution'>);
    await s.commit();
    return stopped;
  },
  ListStateMachines: (s, b) => s.listStateMachines(b as Input<'listStateMachines'>),
  DescribeStateMachine: (s, b) => s.describeStateMachine(b as Input<'describeStateMachine'>),
  CreateStateMachine: async (s, b) => {
    if (b.type !== undefined && b.type !== 'STANDARD') {
      throw new SfnApiError('ValidationException', 'The local runtime runs STANDARD state machines only');
    }
    const { stateMachineArn } = await s.registerStateMachine({
      name: String(b.name ?? ''),
      definition: String(b.definition ?? ''),
      ...(typeof b.roleArn === 'string' ? { roleArn: b.roleArn } : {}),
    });
    return { stateMachineArn, creationDate: s.describeStateMachine({ stateMachineArn }).creationDate };
  },
};

/** JSON with `Date` values as epoch seconds, as the AWS JSON protocol sends timestamps. */
export function toAwsJson(value: unknown): string {
  return JSON.stringify(value, function replacer(this: Record<string, unknown>, key: string, v: unknown) {
    const raw = this[key];
    return raw instanceof Date ? raw.getTime() / 1000 : v;
  });
}

function send(res: ServerResponse, status: number, body: string, errorType?: string): void {
  res.statusCode = status;
  res.setHeader('content-type', 'application/x-amz-json-1.0');
  res.setHeader('x-amzn-requestid', randomUUID());
  if (errorType) res.setHeader('x-amzn-errortype', errorType);
  res.end(body);
}

function sendError(res: ServerResponse, err: unknown): void {
  if (err instanceof SfnApiError) {
    send(res, err.httpStatus, JSON.stringify({ __type: err.code, message: err.message }), err.code);
    return;
  }
  const message = err instanceof Error ? err.message : String(err);
  send(res, 500, JSON.stringify({ __type: 'InternalFailure', message }), 'InternalFailure');
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new SfnApiError('ValidationException', 'Request body too large', 413));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Handles one HTTP request for the Step Functions API. */
export async function handleStepFunctionsRequest(
  service: StepFunctionsService,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  try {
    const target = req.headers['x-amz-target'];
    if (req.method !== 'POST' || typeof target !== 'string' || !target.startsWith(TARGET_PREFIX)) {
      throw new SfnApiError(
        'UnknownOperationException',
        'Expected POST with X-Amz-Target: AWSStepFunctions.<Operation>',
      );
    }
    const operation = OPERATIONS[target.slice(TARGET_PREFIX.length)];
    if (!operation) throw new SfnApiError('UnknownOperationException', `Unsupported operation: ${target}`);
    const text = await readBody(req);
    let body: Record<string, unknown>;
    try {
      body = text.length > 0 ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      throw new SfnApiError('SerializationException', 'Request body is not JSON');
    }
    const result = await operation(service, body);
    send(res, 200, toAwsJson(result ?? {}));
  } catch (err) {
    sendError(res, err);
  }
}

/** An HTTP server (not yet listening) serving the Step Functions API of `service`. */
export function createStepFunctionsServer(service: StepFunctionsService): Server {
  const server = createServer(
    guardListener((req, res) => void handleStepFunctionsRequest(service, req, res), { browsers: 'refuse' }),
  );
  server.keepAliveTimeout = 65_000;
  return server;
}
