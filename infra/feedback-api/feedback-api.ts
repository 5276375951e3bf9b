import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { OTHER_FUNCTIONS } from '../../src/workflows/catalog.ts';
import { TriageFunction, type TriageLogLevel } from '../functions/triage-function.ts';
import { acknowledgeWildcardResource } from '../nag.ts';
import type { RetrainWorkflow } from '../retrain-workflow/retrain-workflow.ts';
import type { ModelBucket } from '../storage/model-bucket.ts';
import type { TriageTables } from '../storage/triage-tables.ts';

export interface FeedbackApiJwt {
  /** The token issuer (`iss`), an https URL whose `/.well-known/openid-configuration` API Gateway reads. */
  readonly issuer: string;
  /** Accepted `aud` (or `client_id`) values. */
  readonly audience: readonly string[];
}

export interface FeedbackApiProps {
  readonly tables: TriageTables;
  readonly modelBucket: ModelBucket;

  /**
   * The retraining workflow, whose runs the API lists.
   *
   * @default - no retraining runs in the API
   */
  readonly retrain?: RetrainWorkflow;

  /**
   * Who may call the API: tokens of this issuer for this audience.
   *
   * @default - a Cognito user pool created here (no self sign-up, MFA required) and its app client
   */
  readonly jwt?: FeedbackApiJwt;

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
 * models and retraining runs. One Lambda (`handlers/feedback-api.ts`) behind
 * the `$default` route of an API Gateway HTTP API; every request needs a JWT
 * (API Gateway's JWT authorizer) from a Cognito user pool created here, or
 * from the issuer/audience given.
 *
 * The function may: GetItem/Query (indexes `recent`, `feedback`)/UpdateItem on
 * the predictions table, GetItem/Scan on the models table (the registry is
 * small), GetObject under `evaluations/`, and ListExecutions/DescribeExecution
 * on the retraining state machine. It cannot write the models table.
 *
 * Access logs (JSON, no request bodies) go to CloudWatch Logs.
 */
export class FeedbackApi extends Construct {
  readonly api: apigw.HttpApi;
  readonly handler: TriageFunction;
  readonly userPool?: cognito.UserPool;
  readonly userPoolClient?: cognito.UserPoolClient;
  readonly accessLogs: logs.LogGroup;

  constructor(scope: Construct, id: string, props: FeedbackApiProps) {
    super(scope, id);
    const { tables, modelBucket, retrain } = props;
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;

    this.handler = new TriageFunction(this, 'Handler', {
      handler: OTHER_FUNCTIONS.feedbackApi,
      description: 'review page API: predictions, feedback, models, retraining runs',
      logLevel: props.logLevel ?? 'INFO',
      logRetention,
      timeout: Duration.seconds(29),
      environment: {
        PREDICTIONS_TABLE: tables.table('predictions').tableName,
        MODELS_TABLE: tables.table('models').tableName,
        MODEL_BUCKET: modelBucket.bucket.bucketName,
        ...(retrain && { RETRAIN_STATE_MACHINE_ARN: retrain.stateMachine.stateMachineArn }),
      },
    });
    const role = this.handler.role;
    tables.grant(role, 'predictions', ['dynamodb:GetItem', 'dynamodb:Query'], { indexes: ['recent', 'feedback'] });
    tables.grant(role, 'predictions', ['dynamodb:UpdateItem']);
    tables.grant(role, 'models', ['dynamodb:GetItem', 'dynamodb:Scan']);
    modelBucket.grantRead(role, 'evaluations');
    if (retrain) {
      role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['states:ListExecutions'], resources: [retrain.stateMachine.stateMachineArn] }));
      const executions = retrain.executionsArn();
      role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['states:DescribeExecution'], resources: [executions] }));
      acknowledgeWildcardResource(role, executions, 'Retraining runs are listed then described by name; DescribeExecution is allowed only on executions of the retrain-model state machine.');
    }

    let jwt = props.jwt;
    if (!jwt) {
      this.userPool = new cognito.UserPool(this, 'Reviewers', {
        selfSignUpEnabled: false,
        signInAliases: { email: true },
        mfa: cognito.Mfa.REQUIRED,
        mfaSecondFactor: { otp: true, sms: false },
        passwordPolicy: {
          minLength: 12,
          requireLowercase: true,
          requireUppercase: true,
          requireDigits: true,
          requireSymbols: true,
          tempPasswordValidity: Duration.days(3),
        },
        accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
        featurePlan: cognito.FeaturePlan.ESSENTIALS,
        deletionProtection: true,
        removalPolicy: RemovalPolicy.RETAIN,
      });
      Validations.of(this.userPool).acknowledge({
        id: 'AwsSolutions-COG8',
        reason:
          'The reviewers are a small, invited group (no self sign-up) with MFA required; the Plus feature plan (threat protection) is billed per monthly active user and is left to deployments that want it.',
      });
      this.userPoolClient = this.userPool.addClient('ReviewPage', {
        authFlows: { userSrp: true },
        generateSecret: false,
        preventUserExistenceErrors: true,
        accessTokenValidity: Duration.hours(1),
        idTokenValidity: Duration.hours(1),
        refreshTokenValidity: Duration.hours(12),
      });
      jwt = {
        issuer: `https://cognito-idp.${Stack.of(this).region}.amazonaws.com/${this.userPool.userPoolId}`,
        audience: [this.userPoolClient.userPoolClientId],
      };
    }

    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention: logRetention, removalPolicy: RemovalPolicy.DESTROY });
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
