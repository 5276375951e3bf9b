/**
 * `src/local-stack/`: ticket-triage deployed on the local runtime, the local
 * counterpart of `infra/` (which deploys it to AWS). `src/local/` is the
 * runtime itself (S3, SQS, DynamoDB, Step Functions, Lambda, schedules) and
 * knows nothing of tickets; this folder creates the product's queues, bucket,
 * tables, functions and state machines on it (`startLocalStack`), serves the
 * review API as API Gateway would (http-api-server.ts), and tells the CLI
 * where the running stack is (stack-file.ts).
 */
import { resetAwsClients, createAwsClients } from '../aws/clients.ts';
import { config, parseConfig, resetConfig, type Config } from '../config.ts';
import { resetHandlerContext } from '../lambda/context.ts';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  startLocalRuntime,
  type LambdaHandler,
  type LocalRuntime,
  type LocalRuntimeOptions,
  type ScheduleHandle,
  type SqsEventSourceMapping,
} from '../local/index.ts';
import { startRetrain } from '../workflows/runs.ts';
import { ensureTables } from '../storage/create-tables.ts';
import {
  FUNCTION_TIMEOUT_SECONDS,
  OTHER_FUNCTIONS,
  projectPath,
  WORKFLOWS,
  type FunctionName,
  type WorkflowName,
} from '../workflows/catalog.ts';
import { NO_SIGN_IN, type WebPageConfig } from '../web/page-config.ts';
import { createWebPageHandler } from '../web/static-files.ts';
import { startHttpApiServer, type HttpApiServer } from './http-api-server.ts';
import { SHARED_MODULES } from './shared-modules.ts';
import { createJwtAuthorizer, type JwtAuthorizer } from './jwt-authorizer.ts';
import { startLocalOidcProvider, type LocalOidcProvider } from './local-oidc-provider.ts';

/** Local names of the queues (on AWS, CDK names them). */
export const LOCAL_QUEUES = {
  input: 'ticket-triage-input',
  inputDeadLetter: 'ticket-triage-input-dlq',
  output: 'ticket-triage-output',
  rejected: 'ticket-triage-rejected',
} as const;

export interface LocalStackOptions {
  readonly dataDir?: string;
  /** What an acknowledgement waits for (see LocalRuntimeOptions.durability). Default `fsync`. */
  readonly durability?: LocalRuntimeOptions['durability'];
  readonly ports?: LocalRuntimeOptions['ports'];
  /** The SQS -> start-classification event-source mapping. */
  readonly eventSource?: {
    readonly pollers?: number;
    readonly batchSize?: number;
    readonly visibilityTimeoutSeconds?: number;
    readonly maxReceiveCount?: number;
    /** Start polling the input queue at once (default true); else call `startEventSource()`. */
    readonly enabled?: boolean;
  };
  /**
   * The classify-ticket state machine's type (default STANDARD). EXPRESS runs
   * with Express semantics (no execution-name de-duplication, at least once)
   * and sets CLASSIFY_WORKFLOW_TYPE for the handlers.
   */
  readonly classifyWorkflowType?: 'STANDARD' | 'EXPRESS';
  /** Extra settings for the handlers (e.g. TARGET_PRECISION). */
  readonly settings?: Record<string, string>;
  readonly logger?: LocalRuntimeOptions['logger'];
  /** Register these functions instead of the real handlers of the same name (tests inject faults this way). */
  readonly functionOverrides?: Readonly<Record<string, LambdaHandler<never>>>;
  /**
   * Register these handler modules (file paths) instead of the real handlers of the same name: unlike
   * `functionOverrides`, they run as Lambda-like instances, one invocation at a time each (tests).
   */
  readonly functionModules?: Readonly<Record<string, string>>;
  /**
   * Port of the HTTP server for the review API (`/api/...`, on 127.0.0.1).
   * 0 or absent = a free port (`triage start` passes its `--port`, 8080 by default).
   */
  readonly httpPort?: number;
  /** Serves requests outside `/api/` (the web page's files). Default: 404. */
  readonly httpFallback?: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;
  /**
   * Serve the web page (src/web/static-files.ts) outside `/api/`, with the
   * `/config.json` that tells it how to sign in (instead of `httpFallback`).
   */
  readonly webPage?: boolean;
  /**
   * Sign-in (`triage start --auth oidc`): a local OpenID Connect provider
   * (src/local-stack/local-oidc-provider.ts) for the web page, the API behind a
   * JWT authorizer of its tokens, and roles from their groups. Default: none
   * (everyone on 127.0.0.1 may do everything).
   */
  readonly auth?: LocalAuthOptions;
}

export interface LocalAuthOptions {
  readonly kind: 'oidc';
  /** The provider's port on 127.0.0.1; 0 or absent = a free port. */
  readonly port?: number;
  /** ID/access token lifetime, seconds (default 3600). */
  readonly tokenSeconds?: number;
  /** Sign-in session and refresh token lifetime, seconds (default 12 h). */
  readonly sessionSeconds?: number;
}

export interface LocalStack {
  readonly runtime: LocalRuntime;
  readonly config: Config;
  /** The environment the handlers run with (point any client or the CLI at the stack with it). */
  readonly environment: Record<string, string>;
  readonly queues: Record<keyof typeof LOCAL_QUEUES, string>;
  readonly stateMachines: Partial<Record<WorkflowName, string>>;
  /** The input queue's poller, once started. */
  readonly eventSource: SqsEventSourceMapping | undefined;
  startEventSource(): Promise<SqsEventSourceMapping>;
  /** The review API's HTTP server; `webUrl` is its address (`http://127.0.0.1:<port>`). */
  readonly http: HttpApiServer;
  readonly webUrl: string;
  /** The sign-in provider, with `auth`. */
  readonly signIn?: LocalOidcProvider;
  /** What the web page's `/config.json` says (how to sign in, if at all). */
  readonly webConfig: WebPageConfig;
  /** The timer that starts retraining (RETRAIN_SCHEDULE), unless it is `off`. */
  readonly retrainSchedule?: ScheduleHandle;
  stop(): Promise<void>;
}

const handlerFile = (name: string): string => projectPath(`handlers/${name}.ts`);

/**
 * The steps that load a model: CPU-bound, so more instances would add model
 * copies (each instance loads its own, as on Lambda) but no throughput on a
 * few cores. The other functions wait on I/O and get the runtime's default.
 */
const MODEL_STEPS = new Set<string>(['preprocess-ticket', 'vectorize-ticket', 'predict-category']);
const MODEL_STEP_MAX_INSTANCES = 4;
/**
 * Reserved concurrency of the other functions, where it differs from the
 * runtime's default (64): PinModelVersion reads one DynamoDB item (cached for
 * POINTER_CACHE_SECONDS per instance); more instances would only read it more often.
 */
const MAX_INSTANCES: Readonly<Record<string, number>> = { 'pin-model-version': 8 };

/**
 * The whole product on one machine: AWS-compatible servers, the same handlers
 * and ASL files as on AWS, and an SQS poller in place of Lambda's event-source
 * mapping. The handlers read their settings from `process.env`, as on Lambda.
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const runtime = await startLocalRuntime({
    lambda: { sharedModules: SHARED_MODULES.map(({ path }) => projectPath(path)) },
    ...(options.dataDir !== undefined && { dataDir: options.dataDir }),
    ...(options.ports && { ports: options.ports }),
    ...(options.logger && { logger: options.logger }),
    ...(options.durability && { durability: options.durability }),
    // Executions interrupted by a crash run again only once the handlers' environment is in place (below).
    stepFunctions: { resumeInterrupted: 'when-asked' },
  });
  try {
    const { emulators } = runtime;
    const maxReceiveCount = options.eventSource?.maxReceiveCount ?? 5;
    emulators.createQueue(LOCAL_QUEUES.inputDeadLetter);
    emulators.createQueue(LOCAL_QUEUES.output);
    emulators.createQueue(LOCAL_QUEUES.rejected);
    emulators.createQueue(LOCAL_QUEUES.input, {
      deadLetter: { queueName: LOCAL_QUEUES.inputDeadLetter, maxReceiveCount },
    });
    const queues = Object.fromEntries(
      Object.entries(LOCAL_QUEUES).map(([k, name]) => [k, emulators.queueUrl(name)]),
    ) as LocalStack['queues'];

    const defaults = parseConfig({});
    emulators.createBucket(defaults.MODEL_BUCKET);
    const environment: Record<string, string> = {
      ...runtime.environment(),
      // Straight to each server: the gateway is for outside tools, not worth a hop per call here.
      AWS_ENDPOINT_URL_S3: runtime.endpoints.s3,
      AWS_ENDPOINT_URL_SQS: runtime.endpoints.sqs,
      AWS_ENDPOINT_URL_DYNAMODB: runtime.endpoints.dynamodb,
      AWS_ENDPOINT_URL_SFN: runtime.endpoints.stepFunctions,
      INPUT_QUEUE_URL: queues.input,
      OUTPUT_QUEUE_URL: queues.output,
      REJECTED_QUEUE_URL: queues.rejected,
      POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
      REVIEW_API_AUTH: options.auth ? 'jwt' : 'none',
      ...options.settings,
    };

    const classifyWorkflowType =
      options.classifyWorkflowType ?? (options.settings?.CLASSIFY_WORKFLOW_TYPE === 'EXPRESS' ? 'EXPRESS' : 'STANDARD');
    environment.CLASSIFY_WORKFLOW_TYPE = classifyWorkflowType;

    const functionNames = [
      ...Object.values(WORKFLOWS).flatMap((w) => Object.values(w.functions)),
      ...Object.values(OTHER_FUNCTIONS),
    ];
    for (const name of new Set<FunctionName>(functionNames)) {
      // The timeout CDK deploys: the deadline the handler sees (Powertools idempotency keeps in-progress records until it).
      const timeoutSeconds = FUNCTION_TIMEOUT_SECONDS[name];
      const override = options.functionOverrides?.[name];
      if (override) runtime.registerFunction(name, override, { timeoutSeconds });
      // The real handlers run as Lambda-like instances in the runtime's Lambda thread (imported there from their files).
      else
        await runtime.registerFunctionModule(name, options.functionModules?.[name] ?? handlerFile(name), {
          timeoutSeconds,
          ...(MODEL_STEPS.has(name) && { maxInstances: MODEL_STEP_MAX_INSTANCES }),
          ...(MAX_INSTANCES[name] !== undefined && { maxInstances: MAX_INSTANCES[name] }),
        });
    }

    // One warm instance of each classification function, started in the background (cold starts
    // happen on demand anyway; this only saves the first ticket from waiting for six in a row).
    const classifyFunctions = [
      OTHER_FUNCTIONS.startClassification,
      ...Object.values(WORKFLOWS['classify-ticket'].functions),
    ].filter((name) => !options.functionOverrides?.[name]);
    void runtime.functions.warm(classifyFunctions).catch(() => undefined);

    const stateMachines: LocalStack['stateMachines'] = {};
    for (const [name, workflow] of Object.entries(WORKFLOWS) as [WorkflowName, (typeof WORKFLOWS)[WorkflowName]][]) {
      const file = projectPath(workflow.file);
      const substitutions = Object.fromEntries(
        Object.entries(workflow.functions).map(([key, fn]) => [key, runtime.functions.functionArn(fn)]),
      );
      const { stateMachineArn } = await runtime.registerStateMachine({
        name,
        definitionFile: file,
        substitutions,
        ...(name === 'classify-ticket' && { type: classifyWorkflowType }),
      });
      stateMachines[name] = stateMachineArn;
    }
    if (stateMachines['classify-ticket']) environment.CLASSIFY_STATE_MACHINE_ARN = stateMachines['classify-ticket'];
    if (stateMachines['retrain-model']) environment.RETRAIN_STATE_MACHINE_ARN = stateMachines['retrain-model'];

    Object.assign(process.env, environment);
    resetConfig();
    resetAwsClients();
    resetHandlerContext();
    const settings = config();
    await ensureTables(createAwsClients(settings).dynamo, {
      predictions: settings.PREDICTIONS_TABLE,
      models: settings.MODELS_TABLE,
      idempotency: settings.IDEMPOTENCY_TABLE,
    });
    // Everything the handlers need is in place: executions a crash interrupted can run again.
    const resumed = runtime.resumeInterruptedExecutions();
    if (resumed > 0) options.logger?.info('restarted interrupted executions', { count: resumed });

    let eventSource: SqsEventSourceMapping | undefined;
    const startEventSource = async (): Promise<SqsEventSourceMapping> => {
      eventSource ??= await runtime.addSqsEventSource({
        queueUrl: queues.input,
        functionName: OTHER_FUNCTIONS.startClassification,
        batchSize: options.eventSource?.batchSize ?? 10,
        pollers: options.eventSource?.pollers ?? 4,
        visibilityTimeoutSeconds: options.eventSource?.visibilityTimeoutSeconds ?? 30,
        reportBatchItemFailures: true,
      });
      return eventSource;
    };
    if (options.eventSource?.enabled !== false) await startEventSource();

    let retrainSchedule: ScheduleHandle | undefined;
    const retrainArn = stateMachines['retrain-model'];
    if (retrainArn && settings.RETRAIN_SCHEDULE.toLowerCase() !== 'off') {
      const { sfn } = createAwsClients(settings);
      const logger = options.logger;
      retrainSchedule = runtime.schedule(
        settings.RETRAIN_SCHEDULE,
        () => startRetrain(sfn, retrainArn, { trigger: 'schedule' }),
        {
          onError: (error) =>
            (logger ?? console).error(
              `scheduled retraining could not start: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
            ),
        },
      );
    }

    // With sign-in, the provider starts once the page's origin (the HTTP port) is known; until then requests wait.
    let webConfig: WebPageConfig = NO_SIGN_IN;
    let authorizer: JwtAuthorizer | undefined;
    let markReady: () => void = () => {};
    const ready = new Promise<void>((resolve) => (markReady = resolve));
    const page = options.webPage ? createWebPageHandler({ config: () => webConfig }) : options.httpFallback;
    const http = await startHttpApiServer({
      port: options.httpPort ?? 0,
      invoke: (event) => runtime.functions.invoke(OTHER_FUNCTIONS.reviewApi, event),
      ...(page && {
        fallback: async (req: IncomingMessage, res: ServerResponse) => {
          await ready;
          return page(req, res);
        },
      }),
      ...(options.auth && {
        authorize: async (header: string | undefined) => {
          await ready;
          return authorizer!.authorize(header);
        },
      }),
      onError: (error) =>
        options.logger?.warn('review API request failed', {
          error: error instanceof Error ? error.name : typeof error,
        }),
    });
    let signIn: LocalOidcProvider | undefined;
    if (options.auth) {
      try {
        signIn = await startLocalOidcProvider({
          port: options.auth.port ?? 0,
          pageOrigins: [http.url],
          ...(options.dataDir !== undefined && { dataDir: options.dataDir }),
          ...(options.auth.tokenSeconds !== undefined && { tokenSeconds: options.auth.tokenSeconds }),
          ...(options.auth.sessionSeconds !== undefined && { sessionSeconds: options.auth.sessionSeconds }),
          onError: (message) => (options.logger ?? console).error(message),
        });
      } catch (error) {
        await http.close();
        throw error;
      }
      authorizer = createJwtAuthorizer({ issuer: signIn.issuer, audience: [signIn.clientId] });
      webConfig = { signIn: signIn.pageConfig };
    }
    markReady();

    return {
      runtime,
      config: settings,
      environment,
      queues,
      stateMachines,
      get eventSource() {
        return eventSource;
      },
      startEventSource,
      http,
      webUrl: http.url,
      ...(signIn && { signIn }),
      webConfig,
      ...(retrainSchedule && { retrainSchedule }),
      async stop() {
        await http.close();
        await signIn?.close();
        await runtime.stop();
      },
    };
  } catch (error) {
    await runtime.stop();
    throw error;
  }
}
