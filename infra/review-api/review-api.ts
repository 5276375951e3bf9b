import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { IN_SERVICE_KEY } from '../../src/model-store/registry.ts';
import { OTHER_FUNCTIONS } from '../../src/workflows/catalog.ts';
import type { ClassificationWorkflow } from '../classification-workflow/classification-workflow.ts';
import { TriageFunction, type TriageLogLevel } from '../functions/triage-function.ts';
import { acknowledgeWildcardResource } from '../nag.ts';
import type { RetrainWorkflow } from '../retrain-workflow/retrain-workflow.ts';
import type { ModelBucket } from '../storage/model-bucket.ts';
import type { TriageTables } from '../storage/triage-tables.ts';
import { executionsArn } from '../workflows/catalog-state-machine.ts';

export interface ReviewApiJwt {
  /** The token issuer (`iss`), an https URL whose `/.well-known/openid-configuration` API Gateway reads. */
  readonly issuer: string;
  /** Accepted `aud` (or `client_id`) values. */
  readonly audience: readonly string[];
}

export interface ReviewApiProps {
  readonly tables: TriageTables;
  readonly modelBucket: ModelBucket;

  /**
   * The retraining workflow, whose runs the API lists and starts (`POST /api/retrain`).
   *
   * @default - no retraining runs in the API
   */
  readonly retrain?: RetrainWorkflow;

  /**
   * The classification workflow, whose runs the API lists and describes
   * (`/api/runs?workflow=classify-ticket`). Only a STANDARD state machine
   * keeps executions to read; with EXPRESS the API answers 503 for them.
   *
   * @default - no classification runs in the API
   */
  readonly classification?: ClassificationWorkflow;

  /**
   * Who may call the API: tokens of this issuer for this audience (the
   * review page's sign-in, infra/sign-in/reviewer-sign-in.ts, or your own
   * identity provider). The function enforces the roles from the tokens'
   * groups (src/api/roles.ts).
   */
  readonly jwt: ReviewApiJwt;

  /**
   * Origins allowed by CORS (API Gateway answers preflight requests itself).
   *
   * @default - none (same-origin callers and non-browser clients only)
   */
  readonly corsAllowOrigins?: readonly string[];

  /**
   * Stage throttling: steady requests per second, and burst.
   *
   * @default { rateLimit: 50, burstLimit: 100 }
   */
  readonly throttle?: apigw.ThrottleSettings;

  /** @default 'INFO' */
  readonly logLevel?: TriageLogLevel;

  /** Function and access log retention. @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * The HTTP API of the review page: list predictions, submit feedback, show
 * models and workflow runs, start a retraining. One Lambda
 * (`handlers/review-api.ts`) behind the `$default` route of an API Gateway
 * HTTP API; every request needs a JWT of the issuer and audience given (API
 * Gateway's JWT authorizer), and the function checks the caller's role.
 *
 * The function may do exactly what `src/api/review-api.ts` calls
 * (`test/infra/iam-matches-code.test.ts` checks it against the code):
 *
 * | resource | actions | for |
 * | --- | --- | --- |
 * | predictions table | GetItem, UpdateItem | a ticket; feedback (conditional update) |
 * | its `recent`, `feedback` indexes | Query | the prediction list; stats |
 * | models table | GetItem, Scan | the pointer and a model; the registry (small) |
 * | models table, the in-service pointer item only | PutItem | an admin puts a version in service or rolls back (conditional on the pointer's revision) |
 * | models table, every item but the pointer | UpdateItem | the status of the versions put in or taken out of service |
 * | `models/*`, `evaluations/*` | GetObject (ListBucket of the prefix) | manifests (known categories, model detail); evaluation reports |
 * | retrain-model state machine | StartExecution, ListExecutions | `POST /api/retrain` (after checking none runs); runs |
 * | classify-ticket state machine (STANDARD) | ListExecutions | runs |
 * | executions of both | DescribeExecution, GetExecutionHistory | a run and its steps |
 *
 * Besides the promote-model step, it is the only writer of the in-service
 * pointer: an admin's decision (`POST /api/models/{version}/promote`,
 * `POST /api/models/rollback`, roles in src/api/roles.ts), as with the CLI's
 * `triage models promote|rollback`; automatic promotions stay the gate's.
 *
 * Access logs (JSON, no request bodies) go to CloudWatch Logs.
 */
export class ReviewApi extends Construct {
  readonly api: apigw.HttpApi;
  readonly handler: TriageFunction;
  readonly accessLogs: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ReviewApiProps) {
    super(scope, id);
    const { tables, modelBucket, retrain } = props;
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    // An EXPRESS state machine has no ListExecutions/DescribeExecution/GetExecutionHistory.
    const classify =
      props.classification?.workflowType === sfn.StateMachineType.STANDARD
        ? props.classification.stateMachine
        : undefined;

    this.handler = new TriageFunction(this, 'Handler', {
      handler: OTHER_FUNCTIONS.reviewApi,
      description: 'review page API: predictions, feedback, models (promote, roll back), retraining runs',
      logLevel: props.logLevel ?? 'INFO',
      logRetention,
      environment: {
        PREDICTIONS_TABLE: tables.table('predictions').tableName,
        MODELS_TABLE: tables.table('models').tableName,
        MODEL_BUCKET: modelBucket.bucket.bucketName,
        REVIEW_API_AUTH: 'jwt',
        ...(retrain && { RETRAIN_STATE_MACHINE_ARN: retrain.stateMachine.stateMachineArn }),
        ...(classify && { CLASSIFY_STATE_MACHINE_ARN: classify.stateMachineArn }),
      },
    });
    const role = this.handler.role;
    tables.grant(role, 'predictions', ['dynamodb:GetItem', 'dynamodb:UpdateItem']);
    tables.grant(role, 'predictions', ['dynamodb:Query'], { indexes: ['recent', 'feedback'], table: false });
    tables.grant(role, 'models', ['dynamodb:GetItem', 'dynamodb:Scan']);
    // Promote / roll back by hand: movePointer (PutItem of the pointer, conditional on its revision) and
    // setStatus of the versions put in and taken out of service (UpdateItem, never of the pointer).
    tables.grant(role, 'models', ['dynamodb:PutItem'], { onlyPartitionKeys: [IN_SERVICE_KEY] });
    tables.grant(role, 'models', ['dynamodb:UpdateItem'], { exceptPartitionKeys: [IN_SERVICE_KEY] });
    modelBucket.grantRead(role, 'models');
    modelBucket.grantRead(role, 'evaluations');
    const readRuns = (workflow: string, stateMachine: sfn.StateMachine) => {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: ['states:ListExecutions'], resources: [stateMachine.stateMachineArn] }),
      );
      const executions = executionsArn(stateMachine);
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['states:DescribeExecution', 'states:GetExecutionHistory'],
          resources: [executions],
        }),
      );
      acknowledgeWildcardResource(
        role,
        executions,
        `Runs are listed, then described by name with their history (the review page's run view); allowed only on executions of the ${workflow} state machine, whose names are made at run time.`,
      );
    };
    if (retrain) {
      readRuns('retrain-model', retrain.stateMachine);
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['states:StartExecution'],
          resources: [retrain.stateMachine.stateMachineArn],
        }),
      );
    }
    if (classify) readRuns('classify-ticket', classify);

    const { jwt } = props;

    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.api = new apigw.HttpApi(this, 'Api', {
      description: 'ticket-triage review page API',
      createDefaultStage: false,
      defaultIntegration: new HttpLambdaIntegration('Handler', this.handler.function),
      defaultAuthorizer: new HttpJwtAuthorizer('Jwt', jwt.issuer, { jwtAudience: [...jwt.audience] }),
      ...(props.corsAllowOrigins?.length && {
        corsPreflight: {
          allowOrigins: [...props.corsAllowOrigins],
          allowHeaders: ['authorization', 'content-type'],
          allowMethods: [apigw.CorsHttpMethod.GET, apigw.CorsHttpMethod.POST, apigw.CorsHttpMethod.PUT],
          maxAge: Duration.hours(1),
        },
      }),
    });
    this.api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle ?? { rateLimit: 50, burstLimit: 100 },
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            requestTime: '$context.requestTime',
            routeKey: '$context.routeKey',
            path: '$context.path',
            status: '$context.status',
            responseLength: '$context.responseLength',
            latency: '$context.responseLatency',
            integrationError: '$context.integrationErrorMessage',
            authorizerError: '$context.authorizer.error',
          }),
        ),
      },
    });
  }

  /** The URL of the API's `$default` stage. */
  get url(): string {
    return this.api.apiEndpoint;
  }
}
