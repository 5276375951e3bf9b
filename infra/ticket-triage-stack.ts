import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { ClassificationWorkflow } from './classification-workflow/classification-workflow.ts';
import { ReviewApi } from './review-api/review-api.ts';
import { TriageAlarms } from './monitoring/triage-alarms.ts';
import { TicketQueues } from './queues/ticket-queues.ts';
import { RetrainWorkflow } from './retrain-workflow/retrain-workflow.ts';
import type { TriageSettings } from './settings.ts';
import { ModelBucket } from './storage/model-bucket.ts';
import { TriageTables } from './storage/triage-tables.ts';

export interface TicketTriageStackProps extends StackProps {
  readonly settings: TriageSettings;
}

/**
 * ticket-triage on AWS: storage, queues, the classification workflow, the
 * retraining workflow and the review page API. Environment-agnostic (no
 * account/region lookups): the same template deploys to any account and region.
 */
export class TicketTriageStack extends Stack {
  readonly modelBucket: ModelBucket;
  readonly tables: TriageTables;
  readonly queues: TicketQueues;
  readonly classification: ClassificationWorkflow;
  readonly retrain: RetrainWorkflow;
  readonly reviewApi: ReviewApi;
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
      ...(settings.needsReviewThreshold !== undefined && { needsReviewThreshold: settings.needsReviewThreshold }),
    });

    this.retrain = new RetrainWorkflow(this, 'Retrain', {
      modelBucket: this.modelBucket,
      tables: this.tables,
      schedule: settings.retrainSchedule,
      logLevel: settings.logLevel,
      tracingEnabled: settings.stateMachineTracing,
    });

    // The construct id keeps its first name: it is part of the logical ids of what it deploys, and a new
    // id would replace the reviewers' user pool (retained, deletion-protected) and the API's URL.
    this.reviewApi = new ReviewApi(this, 'FeedbackApi', {
      tables: this.tables,
      modelBucket: this.modelBucket,
      retrain: this.retrain,
      classification: this.classification,
      ...(settings.reviewApiJwt && { jwt: settings.reviewApiJwt }),
      logLevel: settings.logLevel,
    });

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
    output('FeedbackApiUrl', this.reviewApi.url, 'The review page API (JWT required)');
    if (this.reviewApi.userPool && this.reviewApi.userPoolClient) {
      output(
        'ReviewersUserPoolId',
        this.reviewApi.userPool.userPoolId,
        'Cognito user pool of the reviewers (add users here)',
      );
      output(
        'ReviewersUserPoolClientId',
        this.reviewApi.userPoolClient.userPoolClientId,
        'App client of the review page',
      );
    }
  }
}
