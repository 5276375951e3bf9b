import { AssetHashType, DockerImage, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { Config } from '../../src/config.ts';
import { FUNCTION_TIMEOUT_SECONDS, type FunctionName } from '../../src/workflows/catalog.ts';
import { bundleHandlerSync, handlerEntry, PROJECT_ROOT } from './bundling.ts';

/** A setting the product reads from its environment (see `src/config.ts`). */
export type ConfigName = keyof Config;

/** Log levels that both Powertools and Lambda's advanced logging controls understand. */
export type TriageLogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

/** The service name every function logs under (Powertools `service` key). */
export const SERVICE_NAME = 'ticket-triage';

export interface TriageFunctionProps {
  /** The handler file: `handlers/<handler>.ts`, named as in `src/workflows/catalog.ts`. */
  readonly handler: string;

  /** What the function does (shown in the Lambda console). */
  readonly description: string;

  /**
   * The product's settings, by their environment variable names from `src/config.ts`
   * (type-checked: a name the product does not read does not compile).
   *
   * @default - none (the product's defaults apply)
   */
  readonly environment?: Partial<Record<ConfigName, string>>;

  /** @default 256 (MB) */
  readonly memorySize?: number;

  /**
   * Keep it below the `TimeoutSeconds` of the state that calls the function,
   * so a slow invocation fails as a Lambda timeout, not a state timeout.
   *
   * @default - the handler's timeout in `FUNCTION_TIMEOUT_SECONDS` (src/workflows/catalog.ts),
   *   which the local runtime registers too; 25 s for a handler not listed there
   */
  readonly timeout?: Duration;

  /**
   * Powertools and Lambda application log level. Handlers log ids, never ticket text.
   *
   * @default 'INFO'
   */
  readonly logLevel?: TriageLogLevel;

  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;

  /**
   * The Lambda runtime. Node.js 22 is what the bundles target (`BUNDLE_TARGET`).
   *
   * @default lambda.Runtime.NODEJS_22_X
   */
  readonly runtime?: lambda.Runtime;
}

/**
 * One Lambda function of ticket-triage: a `NodejsFunction` (arm64, Node.js 22)
 * whose code is the handler bundled locally by esbuild (never Docker) with
 * `bundleHandlerSync` (the options of `bundleOptions`), plus its own log group
 * and its own role.
 *
 * The role starts empty except for writing to the function's log group (no AWS
 * managed policy: `AWSLambdaBasicExecutionRole` would allow creating any log
 * group). Everything else is granted explicitly by the construct that owns the
 * function, action by action.
 *
 * Why `code` instead of `NodejsFunction`'s own bundling: that runs the esbuild
 * CLI with `--outfile`, which rules out code splitting (the lemmatizer data
 * would be parsed by every cold start of every function), and a test could only
 * reproduce it by re-deriving the CLI flags. Here the construct and the
 * bundle-budget test call the same function for the same esbuild options.
 */
export class TriageFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly handlerName: string;

  constructor(scope: Construct, id: string, props: TriageFunctionProps) {
    super(scope, id);
    this.handlerName = props.handler;
    const logLevel = props.logLevel ?? 'INFO';

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `ticket-triage ${props.handler}: only what this handler uses`,
    });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WriteOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );

    const entry = handlerEntry(props.handler);
    this.function = new NodejsFunction(this, 'Function', {
      description: props.description,
      runtime: props.runtime ?? lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: lambda.Code.fromAsset(PROJECT_ROOT, {
        // The hash of the bundle, not of the project directory: a change that
        // does not change the bundle does not redeploy the function.
        assetHashType: AssetHashType.OUTPUT,
        bundling: {
          // Never used: local bundling always succeeds or throws (no Docker fallback).
          image: DockerImage.fromRegistry('no-docker-bundling'),
          // Part of the asset cache key, so two handlers never share a bundle.
          command: ['esbuild', entry],
          local: {
            tryBundle(outputDir: string): boolean {
              bundleHandlerSync(props.handler, outputDir);
              return true;
            },
          },
        },
      }),
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(FUNCTION_TIMEOUT_SECONDS[props.handler as FunctionName] ?? 25),
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel[logLevel],
      systemLogLevelV2: lambda.SystemLogLevel.INFO,
      environment: {
        ...props.environment,
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        POWERTOOLS_LOG_LEVEL: logLevel,
        LOG_LEVEL: logLevel,
      },
    });

    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Pinned to nodejs22.x on purpose: the bundles target node22 (BUNDLE_TARGET) and the project is tested on Node 20/22; moving to nodejs24.x is a deliberate upgrade of both together, not a silent default.',
    });
  }

  /** Adds one IAM statement to this function's role. */
  allow(statement: iam.PolicyStatement): void {
    this.role.addToPrincipalPolicy(statement);
  }

  /** Sets one of the product's settings. */
  setEnvironment(name: ConfigName, value: string): void {
    this.function.addEnvironment(name, value);
  }
}
