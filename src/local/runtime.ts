/**
 * `startLocalRuntime()`: the whole embedded AWS platform in one call — S3, SQS,
 * DynamoDB, Step Functions, in-process Lambda functions, SQS event-source
 * mappings and schedules — for `npm start` and for tests.
 *
 *   const rt = await startLocalRuntime({ dataDir: '.data' });
 *   rt.registerFunction('preprocess', handler);
 *   await rt.registerStateMachine({ name, definitionFile, substitutions });
 *   Object.assign(process.env, rt.environment()); // AWS_ENDPOINT_URL=... for unchanged handlers
 *   await rt.addSqsEventSource({ queueName: 'tickets-in', functionName: 'start-classification' });
 *   ...
 *   await rt.stop();
 */
import type { Server } from 'node:http';
import { join } from 'node:path';
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import { localClientSettings, tuneLocalClient } from '../aws/loopback-client-settings.ts';
import { lockDataDir, type DataDirLock } from './data-dir-lock.ts';
import { DEFAULT_REGION, LOCAL_ACCOUNT_ID, startEmulators, type Emulators } from './emulators.ts';
import { startSqsEventSource, type SqsEventSourceMapping, type SqsEventSourceOptions } from './event-source-mapping.ts';
import { createGatewayServer } from './gateway.ts';
import { closeServer, endpointUrl, listen } from './http-util.ts';
import {
  FunctionRegistry,
  type FunctionModuleOptions,
  type FunctionOptions,
  type FunctionRegistryOptions,
  type LambdaHandler,
} from './lambda/function-registry.ts';
import type { Durability } from './journal.ts';
import { consoleLogger, type RuntimeLogger } from './logger.ts';
import { startSchedule, type ScheduleHandle, type ScheduleOptions } from './schedule.ts';
import type { ExecutionStoreLimits } from './stepfunctions/execution-store.ts';
import { createStepFunctionsServer, handleStepFunctionsRequest } from './stepfunctions/http-server.ts';
import {
  StepFunctionsService,
  type RegisteredStateMachine,
  type RegisterStateMachineOptions,
} from './stepfunctions/service.ts';

export interface LocalRuntimePorts {
  /** One endpoint for all services (AWS_ENDPOINT_URL). */
  readonly gateway?: number;
  /** S3 + SQS. */
  readonly fauxqs?: number;
  readonly dynamodb?: number;
  readonly stepFunctions?: number;
}

export interface LocalRuntimeOptions {
  /** Persist all state under this directory; in-memory when absent. */
  readonly dataDir?: string;
  /** 0 or absent = a random free port. */
  readonly ports?: LocalRuntimePorts;
  readonly region?: string;
  readonly stepFunctions?: {
    readonly limits?: ExecutionStoreLimits;
    readonly interruptedExecutions?: 'restart' | 'abort';
    /** How long stop() waits for running executions (ms). Default 10,000. */
    readonly drainTimeoutMs?: number;
    /**
     * When interrupted executions restart: as soon as their state machine is
     * registered (`on-register`, default) or when `resumeInterruptedExecutions()`
     * is called (`when-asked`: once the functions' environment is in place).
     */
    readonly resumeInterrupted?: 'on-register' | 'when-asked';
  };
  /**
   * With a data directory, when a change counts as done and is acknowledged:
   * `fsync` (default: on disk, survives power loss), `process` (handed to the
   * OS: survives a crash or `kill -9` of the process, not power loss), `off`
   * (acknowledged before it is written; only to measure what durability costs).
   */
  readonly durability?: Durability;
  readonly logger?: RuntimeLogger;
  /**
   * Lambda functions registered by module: most instances per function, and
   * the modules every instance shares (see lambda/function-instances.ts).
   */
  readonly lambda?: FunctionRegistryOptions;
  /**
   * Where S3, SQS and DynamoDB run: a worker thread (default; their work then
   * runs on another core than the handlers and the interpreter) or this thread.
   */
  readonly emulatorThread?: 'worker' | 'main';
}

export interface LocalEndpoints {
  /** Every service, routed in-process: use as AWS_ENDPOINT_URL. */
  readonly gateway: string;
  readonly s3: string;
  readonly sqs: string;
  readonly dynamodb: string;
  readonly stepFunctions: string;
}

export type LocalService = keyof LocalEndpoints;

/** Configuration for any `@aws-sdk/client-*` client (S3 also gets `forcePathStyle`). */
export interface LocalClientConfig {
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly forcePathStyle?: boolean;
}

export interface AddSqsEventSourceOptions
  extends Omit<SqsEventSourceOptions, 'client' | 'queueUrl' | 'handler' | 'logger'> {
  /** The queue, by URL or by name. */
  readonly queueUrl?: string;
  readonly queueName?: string;
  /** A registered function (called like Lambda, with a context), or a handler. */
  readonly functionName?: string;
  readonly handler?: (event: SQSEvent) => Promise<SQSBatchResponse | null | undefined>;
}

/**
 * How busy each of the runtime's threads has been since it started (Node's
 * `eventLoopUtilization()`): the main thread (Step Functions, the event
 * sources), the servers' worker (absent when they run on the main thread) and
 * the Lambda functions' worker (absent before a function is registered by
 * module). The share of a span is `performance.eventLoopUtilization(later,
 * earlier).utilization`: near 1, that thread is what limits throughput.
 */
export interface RuntimeEventLoopUtilization {
  readonly main: EventLoopUtilization;
  readonly emulators?: EventLoopUtilization;
  readonly functions?: EventLoopUtilization;
}

export interface LocalRuntime {
  readonly region: string;
  readonly accountId: string;
  readonly dataDir: string | undefined;
  readonly endpoints: LocalEndpoints;
  readonly emulators: Emulators;
  readonly functions: FunctionRegistry;
  readonly stepFunctions: StepFunctionsService;
  clientConfig(service?: LocalService): LocalClientConfig;
  /** Environment for unchanged handlers: AWS_ENDPOINT_URL (the gateway), AWS_REGION, dummy credentials. */
  environment(): Record<string, string>;
  registerFunction<E = never, R = unknown>(name: string, handler: LambdaHandler<E, R>, options?: FunctionOptions): void;
  /**
   * Registers a handler module (file path) as function `name`: its instances
   * (in the Lambda functions' worker thread, one invocation at a time each,
   * created on demand up to `maxInstances`, each with its own copy of the
   * modules) import it; their SDK calls run in parallel with the interpreter
   * and the servers.
   */
  registerFunctionModule(name: string, modulePath: string, options?: FunctionModuleOptions): Promise<void>;
  registerStateMachine(options: RegisterStateMachineOptions): Promise<RegisteredStateMachine>;
  addSqsEventSource(options: AddSqsEventSourceOptions): Promise<SqsEventSourceMapping>;
  /** Restarts the executions a stop or crash interrupted (see `stepFunctions.resumeInterrupted`); returns how many. */
  resumeInterruptedExecutions(): number;
  schedule(expression: string, task: () => unknown, options?: ScheduleOptions): ScheduleHandle;
  /** How busy each thread of the runtime has been so far (see `RuntimeEventLoopUtilization`). */
  eventLoopUtilization(): RuntimeEventLoopUtilization;
  /** Stops schedules, event sources (finishing in-flight batches), executions, servers; flushes state. */
  stop(): Promise<void>;
}

const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

export async function startLocalRuntime(options: LocalRuntimeOptions = {}): Promise<LocalRuntime> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const region = options.region ?? DEFAULT_REGION;
  const dataDir = options.dataDir;
  const logger = options.logger ?? consoleLogger();
  const ports = options.ports ?? {};
  const durability = options.durability ?? 'fsync';

  // First, before anything opens a file there: one runtime per data directory.
  const lock: DataDirLock | undefined = dataDir !== undefined ? lockDataDir(dataDir) : undefined;
  let emulators: Emulators;
  try {
    emulators = await startEmulators({
      ...(dataDir !== undefined ? { dataDir } : {}),
      ports: { fauxqs: ports.fauxqs ?? 0, dynamodb: ports.dynamodb ?? 0 },
      region,
      thread: options.emulatorThread ?? 'worker',
      durability,
    });
  } catch (err) {
    lock?.release();
    throw err;
  }
  const servers: Server[] = [];
  try {
    const functions = new FunctionRegistry(region, LOCAL_ACCOUNT_ID, options.lambda);
    const stepFunctions = await StepFunctionsService.create({
      region,
      accountId: LOCAL_ACCOUNT_ID,
      functions,
      ...(dataDir !== undefined ? { dataDir: join(dataDir, 'stepfunctions') } : {}),
      ...(options.stepFunctions?.limits ? { limits: options.stepFunctions.limits } : {}),
      ...(options.stepFunctions?.interruptedExecutions
        ? { interruptedExecutions: options.stepFunctions.interruptedExecutions }
        : {}),
      ...(options.stepFunctions?.resumeInterrupted
        ? { resumeInterrupted: options.stepFunctions.resumeInterrupted }
        : {}),
      durability,
    });
    const sfnServer = createStepFunctionsServer(stepFunctions);
    servers.push(sfnServer);
    const sfnPort = await listen(sfnServer, ports.stepFunctions ?? 0);
    const gateway = createGatewayServer({
      fauxqs: emulators.requestListeners.fauxqs,
      dynamodb: emulators.requestListeners.dynamodb,
      stepFunctions: (req, res) => void handleStepFunctionsRequest(stepFunctions, req, res),
    });
    servers.push(gateway);
    const gatewayPort = await listen(gateway, ports.gateway ?? 0);

    const endpoints: LocalEndpoints = {
      gateway: endpointUrl(gatewayPort),
      s3: emulators.endpoints.s3,
      sqs: emulators.endpoints.sqs,
      dynamodb: emulators.endpoints.dynamodb,
      stepFunctions: endpointUrl(sfnPort),
    };
    lock?.update({ ...endpoints });
    const clientConfig = (service: LocalService = 'gateway'): LocalClientConfig => ({
      endpoint: endpoints[service],
      region,
      credentials: LOCAL_CREDENTIALS,
      ...(service === 's3' || service === 'gateway' ? { forcePathStyle: true } : {}),
    });
    // The event-source mappings' client: plain HTTP to fauxqs without signing or MD5 work (see src/aws/loopback-client-settings.ts).
    const sqsClient = tuneLocalClient(
      'sqs',
      new SQSClient({ ...clientConfig('sqs'), ...localClientSettings('sqs', endpoints.sqs) }),
      endpoints.sqs,
    );
    const eventSources = new Set<SqsEventSourceMapping>();
    const schedules = new Set<ScheduleHandle>();

    return {
      region,
      accountId: LOCAL_ACCOUNT_ID,
      dataDir,
      endpoints,
      emulators,
      functions,
      stepFunctions,
      clientConfig,
      environment: () => ({
        AWS_ENDPOINT_URL: endpoints.gateway,
        AWS_REGION: region,
        AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      }),
      registerFunction: (name, handler, fnOptions) =>
        functions.register(name, handler as LambdaHandler<never>, fnOptions),
      registerFunctionModule: (name, modulePath, fnOptions) => functions.registerModule(name, modulePath, fnOptions),
      registerStateMachine: (smOptions) => stepFunctions.registerStateMachine(smOptions),
      async addSqsEventSource(esmOptions) {
        const { queueName, functionName, handler, queueUrl: url, ...rest } = esmOptions;
        const queueUrl = url ?? (queueName !== undefined ? emulators.queueUrl(queueName) : undefined);
        if (queueUrl === undefined) throw new Error('addSqsEventSource needs queueUrl or queueName');
        let batchHandler = handler;
        if (functionName !== undefined) {
          batchHandler = async (event) => (await functions.invoke(functionName, event)) as SQSBatchResponse | null;
        }
        if (!batchHandler) throw new Error('addSqsEventSource needs functionName or handler');
        const mapping = await startSqsEventSource({
          ...rest,
          client: sqsClient,
          queueUrl,
          handler: batchHandler,
          region,
          logger,
        });
        eventSources.add(mapping);
        return mapping;
      },
      resumeInterruptedExecutions: () => stepFunctions.resumeInterruptedExecutions(),
      schedule(expression, task, scheduleOptions) {
        const handle = startSchedule(expression, task, scheduleOptions);
        schedules.add(handle);
        return handle;
      },
      eventLoopUtilization() {
        const emulatorsThread = emulators.eventLoopUtilization();
        const functionsThread = functions.eventLoopUtilization();
        return {
          main: performance.eventLoopUtilization(),
          ...(emulatorsThread && { emulators: emulatorsThread }),
          ...(functionsThread && { functions: functionsThread }),
        };
      },
      async stop() {
        await Promise.all([...schedules].map((s) => s.stop()));
        await Promise.all([...eventSources].map((m) => m.stop()));
        await stepFunctions.stop(options.stepFunctions?.drainTimeoutMs ?? 10_000);
        await functions.close();
        sqsClient.destroy();
        await Promise.all(servers.map((s) => closeServer(s)));
        await emulators.stop();
        lock?.release();
      },
    };
  } catch (err) {
    await Promise.allSettled(servers.map((s) => closeServer(s)));
    await emulators.stop();
    lock?.release();
    throw err;
  }
}
