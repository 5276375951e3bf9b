import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { ClassificationWorkflow } from './classification-workflow/classification-workflow.ts';
import { ReviewApi } from './review-api/review-api.ts';
import { TriageAlarms } from './monitoring/triage-alarms.ts';
import { TicketQueues } from './queues/ticket-queues.ts';
import { RetrainWorkflow } from './retrain-workflow/retrain-workflow.ts';
import type { TriageSettings } from './settings.ts';
import { ReviewerSignIn } from './sign-in/reviewer-sign-in.ts';
import { ModelBucket } from './storage/model-bucket.ts';
import { TriageTables } from './storage/triage-tables.ts';
import { ReviewPage } from './web/review-page.ts';

export interface TicketTriageStackProps extends StackProps {
  readonly settings: TriageSettings;
}

/**
 * ticket-triage on AWS: storage, queues, the classification workflow, the
 * retraining workflow, the review page (CloudFront), its sign-in (Cognito) and
 * its API. Environment-agnostic (no account/region lookups): the same template
 * deploys to any account and region.
 */
export class TicketTriageStack extends Stack {
  readonly modelBucket: ModelBucket;
  readonly tables: TriageTables;
  readonly queues: TicketQueues;
  readonly classification: ClassificationWorkflow;
  readonly retrain: RetrainWorkflow;
  readonly reviewApi: ReviewApi;
  /** The review page's sign-in (Cognito), unless the API takes another issuer's tokens (`feedbackApiJwtIssuer`). */
  readonly signIn?: ReviewerSignIn;
  /** The review page (CloudFront + S3), with the API under `/api/*`. */
  readonly reviewPage: ReviewPage;
  readonly alarms: TriageAlarms;

  constructor(scope: Construct, id: string, props: TicketTriageStackProps) {
    super(scope, id, props);
    const { settings } = props;

    this.modelBucket = new ModelBucket(this, 'ModelBucket');
    this.tables = new TriageTables(this, 'Tables');
    this.queues = new TicketQueues(this, 'Queues');

    this.classification = new ClassificationWorkflow(this, 'Classification', {
      modelBucket: this.modelBucket,
      tables: this.tables,
      queues: this.queues,
      workflowType: settings.classifyWorkflowType,
      maxConcurrency: settings.startClassificationConcurrency,
      logLevel: settings.logLevel,
      tracingEnabled: settings.stateMachineTracing,
    });

    this.retrain = new RetrainWorkflow(this, 'Retrain', {
      modelBucket: this.modelBucket,
      tables: this.tables,
      schedule: settings.retrainSchedule,
      ...(settings.targetPrecision !== undefined && { targetPrecision: settings.targetPrecision }),
      ...(settings.coverageTolerance !== undefined && { coverageTolerance: settings.coverageTolerance }),
      logLevel: settings.logLevel,
      tracingEnabled: settings.stateMachineTracing,
    });

    // Cognito (or the identity provider of the settings) issues the tokens, API Gateway checks them, the page is
    // served with the API on one CloudFront distribution, whose URL is the sign-in client's callback URL.
    const custom = settings.reviewApiJwt;
    if (!custom)
      this.signIn = new ReviewerSignIn(this, 'SignIn', {
        selfSignUp: settings.selfSignUp,
        ...(settings.signInDomainPrefix && { domainPrefix: settings.signInDomainPrefix }),
      });
    const jwt = custom ?? { issuer: this.signIn!.issuer, audience: [this.signIn!.client.userPoolClientId] };
    // The construct id keeps its first name: it is part of the logical ids of what it deploys, and a new
    // id would replace the API's URL.
    this.reviewApi = new ReviewApi(this, 'FeedbackApi', {
      tables: this.tables,
      modelBucket: this.modelBucket,
      retrain: this.retrain,
      classification: this.classification,
      jwt,
      logLevel: settings.logLevel,
    });
    this.reviewPage = new ReviewPage(this, 'ReviewPage', {
      api: this.reviewApi.api,
      config: {
        signIn: this.signIn
          ? this.signIn.pageConfig()
          : // Your identity provider: discovered from its issuer; the page's client id is the first audience.
            { authority: jwt.issuer, clientId: jwt.audience[0]!, scope: 'openid email profile', signOut: 'oidc' },
      },
      connectOrigins: this.signIn ? [this.signIn.domainUrl] : [new URL(jwt.issuer).origin],
      accessLogsBucket: this.modelBucket.accessLogsBucket,
    });
    this.signIn?.usePageUrl(this.reviewPage.url);

    const stateMachines: Record<string, sfn.IStateMachine> = {
      ClassifyTicket: this.classification.stateMachine,
      RetrainModel: this.retrain.stateMachine,
    };
    this.alarms = new TriageAlarms(this, 'Alarms', {
      queues: this.queues,
      stateMachines,
      ...(settings.alarmTopicArn && { alarmTopicArn: settings.alarmTopicArn }),
    });

    this.outputs();
  }

  /** The Step Functions console page of a state machine, in the stack's region. */
  consoleUrl(stateMachine: sfn.IStateMachine): string {
    return `https://${this.region}.console.aws.amazon.com/states/home?region=${this.region}#/statemachines/view/${stateMachine.stateMachineArn}`;
  }

  private outputs(): void {
    const output = (id: string, value: string, description: string) => new CfnOutput(this, id, { value, description });
    output(
      'InputQueueUrl',
      this.queues.input.queueUrl,
      'Send tickets here (JSON: ticketId?, subject?, body|description|text)',
    );
    output('OutputQueueUrl', this.queues.output.queueUrl, 'Classified tickets come out here');
    output('RejectedQueueUrl', this.queues.rejected.queueUrl, 'Rejected and failed tickets, each with its reason');
    output(
      'InputDeadLetterQueueUrl',
      this.queues.inputDeadLetter.queueUrl,
      'Input messages whose execution could not be started',
    );
    output(
      'ModelBucketName',
      this.modelBucket.bucket.bucketName,
      'Model versions (models/), training data (datasets/), feedback snapshots',
    );
    output(
      'ModelsTableName',
      this.tables.table('models').tableName,
      'Model registry and the pointer to the version in service',
    );
    output(
      'PredictionsTableName',
      this.tables.table('predictions').tableName,
      'One item per ticket: prediction and feedback',
    );
    output(
      'ClassifyStateMachineArn',
      this.classification.stateMachine.stateMachineArn,
      'The classify-ticket state machine',
    );
    output(
      'ClassifyStateMachineConsoleUrl',
      this.consoleUrl(this.classification.stateMachine),
      'Watch classifications in the Step Functions console',
    );
    output('RetrainStateMachineArn', this.retrain.stateMachine.stateMachineArn, 'The retrain-model state machine');
    output(
      'RetrainStateMachineConsoleUrl',
      this.consoleUrl(this.retrain.stateMachine),
      'Watch retraining runs in the Step Functions console',
    );
    // Output names are what deployment scripts read: unchanged.
    output('FeedbackApiUrl', this.reviewApi.url, 'The review API (a token of the sign-in required)');
    output('ReviewPageUrl', this.reviewPage.url, 'The review page: open it and sign in');
    if (this.signIn) {
      output(
        'ReviewersUserPoolId',
        this.signIn.userPool.userPoolId,
        'Cognito user pool of the reviewers (add users here)',
      );
      output('ReviewersUserPoolClientId', this.signIn.client.userPoolClientId, 'App client of the review page');
      output('SignInDomainUrl', this.signIn.domainUrl, 'The managed login pages of the review page');
    }
  }
}
