import { Duration, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { OTHER_FUNCTIONS, WORKFLOWS } from '../../src/workflows/catalog.ts';
import { TriageFunction, type TriageLogLevel } from '../functions/triage-function.ts';
import { acknowledgeWildcardResource } from '../nag.ts';
import type { TicketQueues } from '../queues/ticket-queues.ts';
import type { ModelBucket } from '../storage/model-bucket.ts';
import type { TriageTables } from '../storage/triage-tables.ts';
import { CatalogStateMachine, executionsArn } from '../workflows/catalog-state-machine.ts';

export interface ClassificationWorkflowProps {
  readonly modelBucket: ModelBucket;
  readonly tables: TriageTables;
  readonly queues: TicketQueues;

  /**
   * STANDARD or EXPRESS.
   *
   * **STANDARD (default)**: exactly-once execution of each step sequence;
   * an execution name can be used once per state machine for 90 days, so
   * start-classification's deterministic name (from the ticket id) turns a
   * redelivered SQS message into `ExecutionAlreadyExists` instead of a second
   * prediction; every execution with its full history is in the Step Functions
   * console for 90 days. Priced per state transition (~6 per ticket: about
   * $0.15 per 1,000 tickets).
   *
   * **EXPRESS**: about 100x cheaper (per request + duration, about $0.0012 per
   * 1,000 tickets), but at-least-once: an execution can run more than once, and
   * execution names are not deduplicated. The handlers keep one outcome per
   * ticket all the same (src/lambda/once-per-ticket.ts): start-classification
   * claims each ticket (duplicate / conflict decided there), and only a
   * ticket's first outcome leaves PublishResult / RecordFailure (Powertools
   * idempotency records in the idempotency table, ~4 more DynamoDB writes per
   * ticket). No execution history in the console: what happened is only
   * in CloudWatch Logs (logged at level ALL, still without execution data);
   * DescribeExecution is not available; at most 5 minutes per execution.
   *
   * @default sfn.StateMachineType.STANDARD
   */
  readonly workflowType?: sfn.StateMachineType;

  /**
   * How many SQS messages one start-classification invocation receives.
   *
   * @default 10
   */
  readonly batchSize?: number;

  /**
   * The most start-classification invocations the SQS event source runs at
   * once (2..1000): caps how fast executions start.
   *
   * @default 5
   */
  readonly maxConcurrency?: number;

  /**
   * How long the event source may wait to fill a batch.
   *
   * @default - no wait (a batch is whatever is available)
   */
  readonly maxBatchingWindow?: Duration;

  /** @default 'INFO' */
  readonly logLevel?: TriageLogLevel;

  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;

  /**
   * X-Ray tracing of executions. Sampled by the account's X-Ray sampling rules
   * (by default 1 request/s plus 5%), billed per recorded trace.
   *
   * @default true
   */
  readonly tracingEnabled?: boolean;
}

const STEPS = WORKFLOWS['classify-ticket'].functions;

/**
 * The classification flow: the input queue triggers start-classification
 * (SQS event source with partial batch failures), which starts one
 * `classify-ticket` execution per ticket; the state machine (deployed from
 * `workflows/classify-ticket.asl.json`) runs one Lambda per step and ends on
 * the output queue, or on the rejected queue through RecordFailure.
 *
 * Each function may touch only what its handler uses:
 *
 * | function | may |
 * | --- | --- |
 * | start-classification | consume the input queue; StartExecution on this state machine; DescribeExecution on its executions (STANDARD only); SendMessage to the rejected queue; item actions on the idempotency table (EXPRESS: the ticket's claim) |
 * | pin-model-version | GetItem on the models table |
 * | preprocess-ticket, vectorize-ticket, predict-category | GetObject under `models/` (and ListBucket of that prefix) |
 * | publish-result | PutItem (a ticket's first record, conditional on the item being new) and UpdateItem (a retried step's: the update keeps feedback given meanwhile) on the predictions table; SendMessage to the output queue; item actions on the idempotency table (EXPRESS: the ticket's first outcome) |
 * | record-failure | PutItem and UpdateItem on the predictions table (as publish-result); SendMessage to the rejected queue; item actions on the idempotency table (EXPRESS: the ticket's first outcome) |
 *
 * Logging never includes ticket text: the Lambdas log ids (Powertools), and the
 * state machine logs without execution data (STANDARD: level ERROR, i.e. only
 * failures, since the console keeps every execution's history anyway; EXPRESS:
 * level ALL, because the logs are the only history an Express execution has).
 */
export class ClassificationWorkflow extends Construct {
  readonly stateMachine: sfn.StateMachine;
  /** STANDARD or EXPRESS (an EXPRESS state machine has no execution history to read). */
  readonly workflowType: sfn.StateMachineType;
  readonly workflow: CatalogStateMachine;
  readonly startClassification: TriageFunction;
  /** The step functions, keyed by handler name. */
  readonly steps: Readonly<Record<string, TriageFunction>>;

  constructor(scope: Construct, id: string, props: ClassificationWorkflowProps) {
    super(scope, id);
    const { modelBucket, tables, queues } = props;
    const workflowType = props.workflowType ?? sfn.StateMachineType.STANDARD;
    this.workflowType = workflowType;
    const common = {
      logLevel: props.logLevel ?? 'INFO',
      ...(props.logRetention && { logRetention: props.logRetention }),
    } as const;
    const modelBucketName = modelBucket.bucket.bucketName;

    const pin = new TriageFunction(this, 'PinModelVersion', {
      ...common,
      handler: STEPS.PinModelVersionFunctionArn,
      description: 'classify-ticket PinModelVersion: which model version is in service',
      environment: { MODELS_TABLE: tables.table('models').tableName },
    });
    tables.grant(pin.role, 'models', ['dynamodb:GetItem']);

    const modelStep = (construct: string, handler: string, description: string, memorySize: number) => {
      const fn = new TriageFunction(this, construct, {
        ...common,
        handler,
        description,
        memorySize,
        environment: { MODEL_BUCKET: modelBucketName },
      });
      modelBucket.grantRead(fn.role, 'models');
      return fn;
    };
    const preprocess = modelStep(
      'Preprocess',
      STEPS.PreprocessFunctionArn,
      'classify-ticket Preprocess: text -> tokens (WordNet lemmas)',
      512,
    );
    const vectorize = modelStep(
      'Vectorize',
      STEPS.VectorizeFunctionArn,
      'classify-ticket Vectorize: tokens -> sparse TF-IDF vector',
      1024,
    );
    const predict = modelStep(
      'Predict',
      STEPS.PredictFunctionArn,
      'classify-ticket Predict: vector -> category and probabilities',
      1024,
    );

    // One outcome per ticket under EXPRESS (src/lambda/once-per-ticket.ts): Powertools idempotency records.
    const oncePerTicket = {
      CLASSIFY_WORKFLOW_TYPE: workflowType === sfn.StateMachineType.EXPRESS ? 'EXPRESS' : 'STANDARD',
      IDEMPOTENCY_TABLE: tables.table('idempotency').tableName,
    };
    const allowIdempotencyRecords = (fn: TriageFunction) =>
      tables.grant(fn.role, 'idempotency', [
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'dynamodb:DeleteItem',
      ]);

    const publish = new TriageFunction(this, 'PublishResult', {
      ...common,
      handler: STEPS.PublishResultFunctionArn,
      description: 'classify-ticket PublishResult: record the prediction, send it to the output queue',
      environment: {
        PREDICTIONS_TABLE: tables.table('predictions').tableName,
        OUTPUT_QUEUE_URL: queues.output.queueUrl,
        ...oncePerTicket,
      },
    });
    tables.grant(publish.role, 'predictions', ['dynamodb:PutItem', 'dynamodb:UpdateItem']);
    allowIdempotencyRecords(publish);
    allowSend(publish, queues.output.queueArn);

    const recordFailure = new TriageFunction(this, 'RecordFailure', {
      ...common,
      handler: STEPS.RecordFailureFunctionArn,
      description:
        'classify-ticket RecordFailure: record why a ticket was not classified, send it to the rejected queue',
      environment: {
        PREDICTIONS_TABLE: tables.table('predictions').tableName,
        REJECTED_QUEUE_URL: queues.rejected.queueUrl,
        ...oncePerTicket,
      },
    });
    tables.grant(recordFailure.role, 'predictions', ['dynamodb:PutItem', 'dynamodb:UpdateItem']);
    allowIdempotencyRecords(recordFailure);
    allowSend(recordFailure, queues.rejected.queueArn);

    this.steps = {
      [pin.handlerName]: pin,
      [preprocess.handlerName]: preprocess,
      [vectorize.handlerName]: vectorize,
      [predict.handlerName]: predict,
      [publish.handlerName]: publish,
      [recordFailure.handlerName]: recordFailure,
    };

    this.workflow = new CatalogStateMachine(this, 'ClassifyTicket', {
      workflow: 'classify-ticket',
      functions: Object.fromEntries(
        Object.entries(STEPS).map(([placeholder, handler]) => [placeholder, this.steps[handler]!]),
      ),
      stateMachineType: workflowType,
      logLevel: workflowType === sfn.StateMachineType.EXPRESS ? sfn.LogLevel.ALL : sfn.LogLevel.ERROR,
      ...(props.logRetention && { logRetention: props.logRetention }),
      ...(props.tracingEnabled !== undefined && { tracingEnabled: props.tracingEnabled }),
    });
    this.stateMachine = this.workflow.stateMachine;
    if (workflowType === sfn.StateMachineType.STANDARD) {
      Validations.of(this.stateMachine).acknowledge({
        id: 'AwsSolutions-SF1',
        reason:
          'STANDARD workflow: Step Functions keeps every execution with its full event history for 90 days (console, GetExecutionHistory); CloudWatch Logs get only the ERROR-level events (failures), without execution data, so ticket text is never copied into logs.',
      });
    }

    this.startClassification = new TriageFunction(this, 'StartClassification', {
      ...common,
      handler: OTHER_FUNCTIONS.startClassification,
      description: 'input queue -> one classify-ticket execution per ticket (deterministic execution names)',
      environment: {
        CLASSIFY_STATE_MACHINE_ARN: this.stateMachine.stateMachineArn,
        REJECTED_QUEUE_URL: queues.rejected.queueUrl,
        ...oncePerTicket,
      },
    });
    const start = this.startClassification;
    allowIdempotencyRecords(start);
    start.allow(
      new iam.PolicyStatement({ actions: ['states:StartExecution'], resources: [this.stateMachine.stateMachineArn] }),
    );
    if (workflowType === sfn.StateMachineType.STANDARD) {
      // Only a STANDARD state machine answers a reused execution name with ExecutionAlreadyExists,
      // after which the handler describes the earlier execution (Express has no DescribeExecution).
      const executions = executionsArn(this.stateMachine);
      start.allow(new iam.PolicyStatement({ actions: ['states:DescribeExecution'], resources: [executions] }));
      acknowledgeWildcardResource(
        start.role,
        executions,
        'Execution names are derived from ticket ids at run time; DescribeExecution is allowed only on executions of the classify-ticket state machine, to tell a redelivered message from a duplicate ticket.',
      );
    }
    allowSend(start, queues.rejected.queueArn);
    start.function.addEventSource(
      new SqsEventSource(queues.input, {
        batchSize: props.batchSize ?? 10,
        maxConcurrency: props.maxConcurrency ?? 5,
        reportBatchItemFailures: true,
        ...(props.maxBatchingWindow && { maxBatchingWindow: props.maxBatchingWindow }),
      }),
    );
  }
}

/** `sqs:SendMessage` on one queue (nothing else: no receive, no purge). */
function allowSend(fn: TriageFunction, queueArn: string): void {
  fn.allow(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [queueArn] }));
}
