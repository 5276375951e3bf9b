import { Duration, Validations } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { WORKFLOWS } from '../../src/workflows/catalog.ts';
import { TriageFunction, type ConfigName, type TriageLogLevel } from '../functions/triage-function.ts';
import type { ModelBucket } from '../storage/model-bucket.ts';
import { IN_SERVICE_KEY, type TriageTables } from '../storage/triage-tables.ts';
import { CatalogStateMachine, executionsArn } from '../workflows/catalog-state-machine.ts';
import { DEFAULT_RETRAIN_SCHEDULE } from '../settings.ts';

const STEPS = WORKFLOWS['retrain-model'].functions;
type RetrainHandler = (typeof STEPS)[keyof typeof STEPS];

interface StepSpec {
  readonly description: string;
  readonly memorySize: number;
  readonly environment: readonly ConfigName[];
  /** Grants exactly what the handler uses. */
  readonly grant: (fn: TriageFunction, resources: { modelBucket: ModelBucket; tables: TriageTables }) => void;
}

/**
 * What each retraining step may touch: exactly what its handler's code calls
 * (`test/infra/iam-matches-code.test.ts` derives that from the code and fails
 * on a missing or an unused grant). Keyed by the catalog's handler names: a
 * step added to the catalog without an entry here fails synthesis.
 *
 * Of the retraining steps only promote-model may write the in-service pointer
 * of the models table (the only other writer is the review API, for an admin's
 * decision by hand), and only with PutItem (`ModelRegistry.movePointer`); its other writes, and those
 * of train-candidate (registers the candidate) and reject-candidate (records why),
 * carry an IAM condition that excludes the pointer's key.
 */
export const RETRAIN_STEPS: Readonly<Record<RetrainHandler, StepSpec>> = {
  'gather-feedback': {
    description: 'retrain-model GatherFeedback: feedback since the last model -> a snapshot in S3',
    // Holds every feedback row, then the snapshot's bytes: 2.3 GB peak at 1.2M feedback items
    // (1M training rows; npm run bench:scale, docs/benchmarks.md).
    memorySize: 4096,
    environment: ['PREDICTIONS_TABLE', 'MODELS_TABLE', 'MODEL_BUCKET'],
    grant: (fn, { modelBucket, tables }) => {
      // FeedbackStore.entries: Query of the sparse feedback index.
      tables.grant(fn.role, 'predictions', ['dynamodb:Query'], { indexes: ['feedback'], table: false });
      // lastJudgedWatermark: ModelRegistry.list (Scan) for the last judged candidate's watermark.
      tables.grant(fn.role, 'models', ['dynamodb:Scan']);
      modelBucket.grantWrite(fn.role, 'feedback');
    },
  },
  'train-candidate': {
    description: 'retrain-model Retrain: base training set + feedback -> a candidate model in S3',
    // Lambda's most: 6 vCPUs for the solver threads, and 6.0 GB peak at 1M training rows
    // (npm run bench:scale); RETRAIN_MAX_ROWS caps the rows at what fits.
    memorySize: 10240,
    environment: ['MODEL_BUCKET', 'MODELS_TABLE'],
    grant: (fn, { modelBucket, tables }) => {
      modelBucket.grantRead(fn.role, 'datasets');
      modelBucket.grantRead(fn.role, 'feedback');
      modelBucket.grantRead(fn.role, 'models');
      modelBucket.grantWrite(fn.role, 'models');
      tables.grant(fn.role, 'models', ['dynamodb:GetItem']);
      tables.grant(fn.role, 'models', ['dynamodb:PutItem'], { exceptPartitionKeys: [IN_SERVICE_KEY] });
    },
  },
  'evaluate-model': {
    description: 'retrain-model Evaluate: candidate vs the model in service on the same holdout',
    // Reads the whole snapshot, keeps the held-out rows: 1.1 GB peak, 189 CPU-seconds for 253k held-out rows
    // (1M training rows; npm run bench:scale).
    memorySize: 2048,
    environment: ['MODEL_BUCKET', 'MODELS_TABLE'],
    grant: (fn, { modelBucket, tables }) => {
      modelBucket.grantRead(fn.role, 'datasets');
      modelBucket.grantRead(fn.role, 'feedback');
      modelBucket.grantRead(fn.role, 'models');
      modelBucket.grantWrite(fn.role, 'evaluations');
      tables.grant(fn.role, 'models', ['dynamodb:GetItem']);
    },
  },
  'promote-model': {
    description: 'retrain-model Promote: move the in-service pointer to the candidate (conditional write)',
    memorySize: 256,
    environment: ['MODELS_TABLE'],
    grant: (fn, { tables }) => {
      // get / inService (GetItem); movePointer (PutItem of the pointer, conditional on its revision);
      // setStatus of the candidate (UpdateItem, never of the pointer).
      tables.grant(fn.role, 'models', ['dynamodb:GetItem']);
      tables.grant(fn.role, 'models', ['dynamodb:PutItem'], { onlyPartitionKeys: [IN_SERVICE_KEY] });
      tables.grant(fn.role, 'models', ['dynamodb:UpdateItem'], { exceptPartitionKeys: [IN_SERVICE_KEY] });
    },
  },
  'reject-candidate': {
    description: 'retrain-model Reject: record why the candidate was rejected (model in service untouched)',
    memorySize: 256,
    environment: ['MODELS_TABLE'],
    grant: (fn, { tables }) => {
      // setStatus of the candidate (UpdateItem, never of the pointer).
      tables.grant(fn.role, 'models', ['dynamodb:UpdateItem'], { exceptPartitionKeys: [IN_SERVICE_KEY] });
    },
  },
  'record-retrain-failure': {
    description:
      'retrain-model RecordFailure: record the run failed and its candidates as failed (model in service untouched)',
    memorySize: 256,
    environment: ['MODELS_TABLE'],
    grant: (fn, { tables }) => {
      // inService (GetItem) and list (Scan) to find this run's candidates; setStatus (UpdateItem).
      tables.grant(fn.role, 'models', ['dynamodb:GetItem', 'dynamodb:Scan']);
      tables.grant(fn.role, 'models', ['dynamodb:UpdateItem'], { exceptPartitionKeys: [IN_SERVICE_KEY] });
    },
  },
};

export interface RetrainWorkflowProps {
  readonly modelBucket: ModelBucket;
  readonly tables: TriageTables;

  /**
   * When the retraining runs: an EventBridge Scheduler expression, in UTC.
   *
   * @default 'cron(0 3 * * ? *)' (03:00 UTC every day)
   */
  readonly schedule?: string;

  /**
   * The execution input the schedule sends.
   *
   * @default { trigger: 'schedule' }
   */
  readonly scheduleInput?: Readonly<Record<string, unknown>>;

  /**
   * The precision a retrained model's automatic routes aim for (TARGET_PRECISION, on the Retrain step).
   *
   * @default - the product's default (`src/config.ts`: 0.95)
   */
  readonly targetPrecision?: number;

  /**
   * How far a candidate's coverage may fall below the model in service's (COVERAGE_TOLERANCE, on the Evaluate step).
   *
   * @default - the product's default (`src/config.ts`: 0.03)
   */
  readonly coverageTolerance?: number;

  /** @default 'INFO' */
  readonly logLevel?: TriageLogLevel;

  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;

  /** @default true */
  readonly tracingEnabled?: boolean;
}

/**
 * The scheduled retraining: an EventBridge Scheduler schedule starts the
 * `retrain-model` state machine (a STANDARD workflow deployed from
 * `workflows/retrain-model.asl.json`), whose steps are the catalog's Lambdas
 * with the access in {@link RETRAIN_STEPS}.
 *
 * The schedule retries a failed start 3 times within an hour, then gives up
 * (the next scheduled run comes anyway). Its role may start this state machine only.
 */
export class RetrainWorkflow extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly workflow: CatalogStateMachine;
  readonly schedule: scheduler.Schedule;
  /** The step functions, keyed by handler name. */
  readonly steps: Readonly<Record<string, TriageFunction>>;

  constructor(scope: Construct, id: string, props: RetrainWorkflowProps) {
    super(scope, id);
    const resources = { modelBucket: props.modelBucket, tables: props.tables };
    const environmentValues: Partial<Record<ConfigName, string>> = {
      MODEL_BUCKET: props.modelBucket.bucket.bucketName,
      MODELS_TABLE: props.tables.table('models').tableName,
      PREDICTIONS_TABLE: props.tables.table('predictions').tableName,
    };

    const steps: Record<string, TriageFunction> = {};
    for (const [placeholder, handler] of Object.entries(STEPS) as [string, RetrainHandler][]) {
      const spec = RETRAIN_STEPS[handler];
      if (!spec)
        throw new Error(`retrain-model: no access is declared for the catalog's handler ${handler} (RETRAIN_STEPS)`);
      const fn = new TriageFunction(this, placeholder.replace(/FunctionArn$/, ''), {
        handler,
        description: spec.description,
        memorySize: spec.memorySize,
        logLevel: props.logLevel ?? 'INFO',
        ...(props.logRetention && { logRetention: props.logRetention }),
        environment: Object.fromEntries(spec.environment.map((name) => [name, environmentValues[name]!])),
      });
      spec.grant(fn, resources);
      steps[handler] = fn;
    }
    if (props.targetPrecision !== undefined)
      steps['train-candidate']!.setEnvironment('TARGET_PRECISION', String(props.targetPrecision));
    if (props.coverageTolerance !== undefined)
      steps['evaluate-model']!.setEnvironment('COVERAGE_TOLERANCE', String(props.coverageTolerance));
    this.steps = steps;

    this.workflow = new CatalogStateMachine(this, 'RetrainModel', {
      workflow: 'retrain-model',
      functions: Object.fromEntries(
        Object.entries(STEPS).map(([placeholder, handler]) => [placeholder, steps[handler]!]),
      ),
      stateMachineType: sfn.StateMachineType.STANDARD,
      logLevel: sfn.LogLevel.ERROR,
      ...(props.logRetention && { logRetention: props.logRetention }),
      ...(props.tracingEnabled !== undefined && { tracingEnabled: props.tracingEnabled }),
    });
    this.stateMachine = this.workflow.stateMachine;
    Validations.of(this.stateMachine).acknowledge({
      id: 'AwsSolutions-SF1',
      reason:
        'STANDARD workflow: Step Functions keeps every execution with its full event history for 90 days (console, GetExecutionHistory); CloudWatch Logs get the ERROR-level events (failures) without execution data, for alarms and Logs Insights, instead of a second copy of every event.',
    });

    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      description: 'Retrain the ticket classifier on the feedback given since the last run',
      schedule: scheduler.ScheduleExpression.expression(props.schedule ?? DEFAULT_RETRAIN_SCHEDULE),
      target: new targets.StepFunctionsStartExecution(this.stateMachine, {
        input: scheduler.ScheduleTargetInput.fromObject(props.scheduleInput ?? { trigger: 'schedule' }),
        retryAttempts: 3,
        maxEventAge: Duration.hours(1),
      }),
    });
  }

  /** `arn:...:execution:<retrain state machine>:*`: the executions of this state machine. */
  executionsArn(): string {
    return executionsArn(this.stateMachine);
  }
}
