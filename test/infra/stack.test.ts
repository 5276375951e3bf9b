import { Token } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config.ts';
import { TABLES } from '../../src/storage/tables.ts';
import { FUNCTION_TIMEOUT_SECONDS, OTHER_FUNCTIONS, WORKFLOWS } from '../../src/workflows/catalog.ts';
import type { TriageFunction } from '../../infra/functions/triage-function.ts';
import {
  actionsOf,
  allowing,
  logicalId,
  resourcesOf,
  statementsOfRole,
  synth,
  type Statement,
  type Synthesized,
} from './support.ts';

let s: Synthesized;
beforeAll(() => {
  s = synth();
});

const ref = (construct: Parameters<typeof logicalId>[0]) => ({ Ref: logicalId(construct) });
const arnOf = (construct: Parameters<typeof logicalId>[0]) => ({ 'Fn::GetAtt': [logicalId(construct), 'Arn'] });
const objectsUnder = (prefix: string) => ({ 'Fn::Join': ['', [arnOf(s.stack.modelBucket.bucket), `/${prefix}*`]] });

/** Every function of the stack, by handler name. */
function functions(): Record<string, TriageFunction> {
  return {
    ...s.stack.classification.steps,
    [OTHER_FUNCTIONS.startClassification]: s.stack.classification.startClassification,
    ...s.stack.retrain.steps,
    [OTHER_FUNCTIONS.reviewApi]: s.stack.reviewApi.handler,
  };
}
const statementsOf = (handler: string): Statement[] => statementsOfRole(s.json, logicalId(functions()[handler]!.role));

/**
 * aws-cdk-lib's BucketDeployment provider (one function per stack, with the role aws-cdk-lib gives it) copies the
 * review page's files during `cdk deploy`; it is not one of the product's functions (its own test is below).
 */
const isDeploymentProvider = (logicalId: string) => logicalId.startsWith('CustomCDKBucketDeployment');

const LOGS = ['logs:CreateLogStream', 'logs:PutLogEvents'];
const SQS_CONSUME = [
  'sqs:ChangeMessageVisibility',
  'sqs:DeleteMessage',
  'sqs:GetQueueAttributes',
  'sqs:GetQueueUrl',
  'sqs:ReceiveMessage',
];

/** The exact actions of each function's role: nothing more, nothing less. */
const EXPECTED_ACTIONS: Record<string, string[]> = {
  'start-classification': [
    ...LOGS,
    ...SQS_CONSUME,
    // The ticket's claim under EXPRESS (Powertools idempotency records).
    'dynamodb:DeleteItem',
    'dynamodb:GetItem',
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'sqs:SendMessage',
    'states:DescribeExecution',
    'states:StartExecution',
  ],
  'pin-model-version': [...LOGS, 'dynamodb:GetItem'],
  'preprocess-ticket': [...LOGS, 's3:GetObject', 's3:ListBucket'],
  'vectorize-ticket': [...LOGS, 's3:GetObject', 's3:ListBucket'],
  'predict-category': [...LOGS, 's3:GetObject', 's3:ListBucket'],
  // + the ticket's first outcome under EXPRESS (Powertools idempotency records).
  'publish-result': [
    ...LOGS,
    'dynamodb:DeleteItem',
    'dynamodb:GetItem',
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'sqs:SendMessage',
  ],
  'record-failure': [
    ...LOGS,
    'dynamodb:DeleteItem',
    'dynamodb:GetItem',
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'sqs:SendMessage',
  ],
  'gather-feedback': [...LOGS, 'dynamodb:Query', 'dynamodb:Scan', 's3:AbortMultipartUpload', 's3:PutObject'],
  'train-candidate': [
    ...LOGS,
    'dynamodb:GetItem',
    'dynamodb:PutItem',
    's3:AbortMultipartUpload',
    's3:GetObject',
    's3:ListBucket',
    's3:PutObject',
  ],
  'evaluate-model': [
    ...LOGS,
    'dynamodb:GetItem',
    's3:AbortMultipartUpload',
    's3:GetObject',
    's3:ListBucket',
    's3:PutObject',
  ],
  'promote-model': [...LOGS, 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
  'reject-candidate': [...LOGS, 'dynamodb:UpdateItem'],
  'record-retrain-failure': [...LOGS, 'dynamodb:GetItem', 'dynamodb:Scan', 'dynamodb:UpdateItem'],
  'review-api': [
    ...LOGS,
    'dynamodb:GetItem',
    'dynamodb:PutItem',
    'dynamodb:Query',
    'dynamodb:Scan',
    'dynamodb:UpdateItem',
    's3:GetObject',
    's3:ListBucket',
    'states:DescribeExecution',
    'states:GetExecutionHistory',
    'states:ListExecutions',
    'states:StartExecution',
  ],
};

describe('storage', () => {
  it('model bucket: SSE-S3, public access blocked, versioned, access logs to the log bucket, lifecycle', () => {
    s.template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      VersioningConfiguration: { Status: 'Enabled' },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      LoggingConfiguration: {
        DestinationBucketName: ref(s.stack.modelBucket.accessLogsBucket),
        LogFilePrefix: 'model-bucket/',
      },
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ NoncurrentVersionExpiration: { NoncurrentDays: 90 }, Status: 'Enabled' }),
        ]),
      },
    });
    expect(s.json.Resources[logicalId(s.stack.modelBucket.bucket)]!).toMatchObject({
      UpdateReplacePolicy: 'Retain',
      DeletionPolicy: 'Retain',
    });
  });

  it('both buckets deny non-TLS requests and TLS below 1.2', () => {
    for (const bucket of [s.stack.modelBucket.bucket, s.stack.modelBucket.accessLogsBucket]) {
      s.template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: ref(bucket),
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 's3:*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
            Match.objectLike({
              Effect: 'Deny',
              Action: 's3:*',
              Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } },
            }),
          ]),
        },
      });
    }
  });

  it('the log bucket is encrypted, private, and lets only S3 log delivery write to it', () => {
    s.template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ ExpirationInDays: 365 })]) },
    });
    s.template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: ref(s.stack.modelBucket.accessLogsBucket),
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'logging.s3.amazonaws.com' },
            Action: 's3:PutObject',
          }),
        ]),
      },
    });
  });

  it('declares every table of TABLES: keys, GSIs, TTL, on-demand, PITR, KMS encryption, deletion protection, retained', () => {
    s.template.resourceCountIs('AWS::DynamoDB::Table', Object.keys(TABLES).length);
    for (const [name, spec] of Object.entries(TABLES)) {
      const table = s.stack.tables.table(name as keyof typeof TABLES);
      const resource = s.json.Resources[logicalId(table)]!;
      expect(resource).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
      const props = resource.Properties!;
      expect(props.KeySchema).toEqual([{ AttributeName: spec.partitionKey, KeyType: 'HASH' }]);
      expect(props.BillingMode).toBe('PAY_PER_REQUEST');
      expect(props.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
      expect(props.SSESpecification).toEqual({ SSEEnabled: true });
      expect(props.DeletionProtectionEnabled).toBe(true);
      expect(
        (props.GlobalSecondaryIndexes ?? []).map(
          (i: { IndexName: string; KeySchema: unknown; Projection: { ProjectionType: string } }) => ({
            name: i.IndexName,
            keys: i.KeySchema,
            projection: i.Projection.ProjectionType,
          }),
        ),
      ).toEqual(
        spec.indexes.map((i) => ({
          name: i.name,
          keys: [
            { AttributeName: i.partitionKey, KeyType: 'HASH' },
            { AttributeName: i.sortKey, KeyType: 'RANGE' },
          ],
          projection: 'ALL',
        })),
      );
      const ttl = 'timeToLive' in spec ? spec.timeToLive : undefined;
      expect(props.TimeToLiveSpecification).toEqual(ttl ? { AttributeName: ttl, Enabled: true } : undefined);
    }
  });
});

describe('queues', () => {
  it('four queues, all with SQS-managed encryption; input redrives to its DLQ after 5 receives', () => {
    s.template.resourceCountIs('AWS::SQS::Queue', 4);
    s.template.allResourcesProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
    s.template.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: 180,
      RedrivePolicy: { deadLetterTargetArn: arnOf(s.stack.queues.inputDeadLetter), maxReceiveCount: 5 },
    });
    expect(s.json.Resources[logicalId(s.stack.queues.rejected)]!.Properties!.MessageRetentionPeriod).toBe(
      14 * 24 * 3600,
    );
    expect(s.json.Resources[logicalId(s.stack.queues.inputDeadLetter)]!.Properties!.MessageRetentionPeriod).toBe(
      14 * 24 * 3600,
    );
  });

  it('every queue denies requests not made over TLS', () => {
    for (const queue of [
      s.stack.queues.input,
      s.stack.queues.inputDeadLetter,
      s.stack.queues.output,
      s.stack.queues.rejected,
    ]) {
      s.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [ref(queue)],
        PolicyDocument: {
          Statement: [
            Match.objectLike({
              Effect: 'Deny',
              Action: 'sqs:*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ],
        },
      });
    }
  });
});

describe('functions', () => {
  it('every handler of the catalog and the other functions is deployed, once', () => {
    const handlers = Object.keys(functions()).sort();
    const expected = [
      ...Object.values(WORKFLOWS).flatMap((w) => Object.values(w.functions)),
      ...Object.values(OTHER_FUNCTIONS),
    ].sort();
    expect(handlers).toEqual(expected);
    const lambdas = Object.entries(s.json.Resources).filter(([, r]) => r.Type === 'AWS::Lambda::Function');
    expect(lambdas.filter(([id]) => !isDeploymentProvider(id))).toHaveLength(expected.length);
    expect(lambdas.filter(([id]) => isDeploymentProvider(id))).toHaveLength(1);
  });

  it('Node.js 22 on arm64, ESM bundle handler, JSON logs, source maps, Powertools settings', () => {
    for (const fn of Object.values(functions()))
      expect(s.json.Resources[logicalId(fn.function)]!.Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        LoggingConfig: { LogFormat: 'JSON', ApplicationLogLevel: 'INFO', LogGroup: expect.anything() },
        Environment: {
          Variables: expect.objectContaining({
            NODE_OPTIONS: '--enable-source-maps',
            POWERTOOLS_SERVICE_NAME: 'ticket-triage',
            POWERTOOLS_LOG_LEVEL: 'INFO',
            LOG_LEVEL: 'INFO',
          }),
        },
      });
  });

  it('environment variables are names the product reads (src/config.ts), each function only its own', () => {
    const known = new Set([
      ...Object.keys(configSchema.shape),
      'NODE_OPTIONS',
      'POWERTOOLS_SERVICE_NAME',
      'POWERTOOLS_LOG_LEVEL',
    ]);
    const fixed = ['NODE_OPTIONS', 'POWERTOOLS_SERVICE_NAME', 'POWERTOOLS_LOG_LEVEL', 'LOG_LEVEL'];
    const expected: Record<string, string[]> = {
      'start-classification': [
        'CLASSIFY_STATE_MACHINE_ARN',
        'CLASSIFY_WORKFLOW_TYPE',
        'IDEMPOTENCY_TABLE',
        'REJECTED_QUEUE_URL',
      ],
      'pin-model-version': ['MODELS_TABLE'],
      'preprocess-ticket': ['MODEL_BUCKET'],
      'vectorize-ticket': ['MODEL_BUCKET'],
      'predict-category': ['MODEL_BUCKET'],
      'publish-result': ['CLASSIFY_WORKFLOW_TYPE', 'IDEMPOTENCY_TABLE', 'OUTPUT_QUEUE_URL', 'PREDICTIONS_TABLE'],
      'record-failure': ['CLASSIFY_WORKFLOW_TYPE', 'IDEMPOTENCY_TABLE', 'PREDICTIONS_TABLE', 'REJECTED_QUEUE_URL'],
      'gather-feedback': ['MODELS_TABLE', 'MODEL_BUCKET', 'PREDICTIONS_TABLE'],
      'train-candidate': ['MODELS_TABLE', 'MODEL_BUCKET'],
      'evaluate-model': ['MODELS_TABLE', 'MODEL_BUCKET'],
      'promote-model': ['MODELS_TABLE'],
      'reject-candidate': ['MODELS_TABLE'],
      'record-retrain-failure': ['MODELS_TABLE'],
      'review-api': [
        'CLASSIFY_STATE_MACHINE_ARN',
        'MODELS_TABLE',
        'MODEL_BUCKET',
        'PREDICTIONS_TABLE',
        'RETRAIN_STATE_MACHINE_ARN',
        'REVIEW_API_AUTH',
      ],
    };
    for (const [handler, fn] of Object.entries(functions())) {
      const variables = s.json.Resources[logicalId(fn.function)]!.Properties!.Environment.Variables as Record<
        string,
        unknown
      >;
      for (const name of Object.keys(variables)) expect(known, `${handler}: ${name}`).toContain(name);
      if (expected[handler])
        expect(
          Object.keys(variables)
            .filter((n) => !fixed.includes(n))
            .sort(),
          handler,
        ).toEqual(expected[handler]);
    }
  });

  it('each function has its own log group (one month) and a role with no managed policy', () => {
    for (const [handler, fn] of Object.entries(functions())) {
      const props = s.json.Resources[logicalId(fn.function)]!.Properties!;
      expect(props.LoggingConfig.LogGroup, handler).toEqual(ref(fn.logGroup));
      expect(props.Role, handler).toEqual(arnOf(fn.role));
      expect(s.json.Resources[logicalId(fn.logGroup)]!.Properties!.RetentionInDays).toBe(30);
      expect(s.json.Resources[logicalId(fn.role)]!.Properties!.ManagedPolicyArns, handler).toBeUndefined();
    }
  });

  it('memory and timeouts: model steps get more memory, Lambda timeouts stay under their state timeouts', () => {
    const props = (handler: string) => s.json.Resources[logicalId(functions()[handler]!.function)]!.Properties!;
    expect(props('pin-model-version')).toMatchObject({ MemorySize: 256, Timeout: 8 });
    expect(props('preprocess-ticket')).toMatchObject({ MemorySize: 512, Timeout: 25 });
    expect(props('vectorize-ticket')).toMatchObject({ MemorySize: 1024, Timeout: 25 });
    expect(props('predict-category')).toMatchObject({ MemorySize: 1024, Timeout: 25 });
    expect(props('start-classification')).toMatchObject({ MemorySize: 256, Timeout: 30 });
    // The retraining steps at a million training rows (npm run bench:scale, docs/benchmarks.md).
    expect(props('gather-feedback')).toMatchObject({ MemorySize: 4096, Timeout: 300 });
    expect(props('train-candidate')).toMatchObject({ MemorySize: 10240, Timeout: 900 });
    expect(props('evaluate-model')).toMatchObject({ MemorySize: 2048, Timeout: 600 });
  });

  it('every function is deployed with the timeout the local runtime registers (FUNCTION_TIMEOUT_SECONDS)', () => {
    const deployed = Object.fromEntries(
      Object.entries(functions()).map(([handler, fn]) => [
        handler,
        s.json.Resources[logicalId(fn.function)]!.Properties!.Timeout as number,
      ]),
    );
    expect(deployed).toEqual(FUNCTION_TIMEOUT_SECONDS);
  });
});

describe('least privilege: the exact actions of every role', () => {
  for (const [handler, actions] of Object.entries(EXPECTED_ACTIONS)) {
    it(handler, () => {
      expect(actionsOf(statementsOf(handler))).toEqual([...actions].sort());
      for (const statement of statementsOf(handler)) {
        expect(statement.Effect).toBe('Allow');
        for (const resource of resourcesOf(statement)) expect(resource, `${handler}: no "*" resource`).not.toBe('*');
      }
    });
  }

  it('logs: each function writes only its own log group', () => {
    for (const [handler, fn] of Object.entries(functions())) {
      expect(allowing(statementsOf(handler), 'logs:PutLogEvents').flatMap(resourcesOf), handler).toEqual([
        arnOf(fn.logGroup),
      ]);
    }
  });

  it('preprocess/vectorize/predict read models/* only: no write, no other prefix, no DynamoDB', () => {
    for (const handler of ['preprocess-ticket', 'vectorize-ticket', 'predict-category']) {
      const statements = statementsOf(handler);
      expect(allowing(statements, 's3:GetObject').flatMap(resourcesOf)).toEqual([objectsUnder('models/')]);
      expect(allowing(statements, 's3:ListBucket')).toEqual([
        expect.objectContaining({
          Resource: arnOf(s.stack.modelBucket.bucket),
          Condition: { StringLike: { 's3:prefix': 'models/*' } },
        }),
      ]);
      const actions = actionsOf(statements);
      expect(actions).not.toContain('s3:PutObject');
      expect(actions.filter((a) => a.startsWith('dynamodb:'))).toEqual([]);
    }
  });

  it('pin-model-version: GetItem on the models table only', () => {
    expect(allowing(statementsOf('pin-model-version'), 'dynamodb:GetItem').flatMap(resourcesOf)).toEqual([
      arnOf(s.stack.tables.table('models')),
    ]);
  });

  it('publish-result: PutItem + UpdateItem predictions, SendMessage output; record-failure: the same on predictions, SendMessage rejected', () => {
    const predictions = arnOf(s.stack.tables.table('predictions'));
    // UpdateItem on the idempotency table too: the ticket's first outcome (EXPRESS).
    const idempotency = arnOf(s.stack.tables.table('idempotency'));
    expect(allowing(statementsOf('publish-result'), 'dynamodb:UpdateItem').flatMap(resourcesOf)).toEqual([
      predictions,
      idempotency,
    ]);
    expect(allowing(statementsOf('publish-result'), 'sqs:SendMessage').flatMap(resourcesOf)).toEqual([
      arnOf(s.stack.queues.output),
    ]);
    expect(allowing(statementsOf('record-failure'), 'dynamodb:UpdateItem').flatMap(resourcesOf)).toEqual([
      predictions,
      idempotency,
    ]);
    // PutItem on predictions: a ticket's first record (conditional on the item being new).
    for (const handler of ['publish-result', 'record-failure'])
      expect(allowing(statementsOf(handler), 'dynamodb:PutItem').flatMap(resourcesOf)).toEqual([
        predictions,
        idempotency,
      ]);
    expect(allowing(statementsOf('start-classification'), 'dynamodb:PutItem').flatMap(resourcesOf)).toEqual([
      idempotency,
    ]);
    for (const handler of ['publish-result', 'record-failure', 'start-classification'])
      for (const action of ['dynamodb:GetItem', 'dynamodb:DeleteItem'])
        expect(allowing(statementsOf(handler), action).flatMap(resourcesOf)).toEqual([idempotency]);
    expect(allowing(statementsOf('record-failure'), 'sqs:SendMessage').flatMap(resourcesOf)).toEqual([
      arnOf(s.stack.queues.rejected),
    ]);
  });

  it('start-classification: StartExecution on the classify state machine, DescribeExecution on its executions, SendMessage rejected, consume input', () => {
    const statements = statementsOf('start-classification');
    const machine = s.stack.classification.stateMachine;
    expect(allowing(statements, 'states:StartExecution').flatMap(resourcesOf)).toEqual([ref(machine)]);
    const [executions] = allowing(statements, 'states:DescribeExecution').flatMap(resourcesOf);
    expect(JSON.stringify(executions)).toContain(`":execution:",{"Fn::GetAtt":["${logicalId(machine)}","Name"]},":*"`);
    expect(allowing(statements, 'sqs:SendMessage').flatMap(resourcesOf)).toEqual([arnOf(s.stack.queues.rejected)]);
    expect(allowing(statements, 'sqs:ReceiveMessage').flatMap(resourcesOf)).toEqual([arnOf(s.stack.queues.input)]);
  });

  it('only promote-model (the gate) and review-api (an admin by hand) may write the in-service pointer (PutItem of that key only); every other write of the models table excludes it', () => {
    const models = JSON.stringify(arnOf(s.stack.tables.table('models')));
    const writes = [
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'dynamodb:BatchWriteItem',
      'dynamodb:*',
    ];
    const pointerOnly = { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['@in-service'] } };
    const exceptPointer = { 'ForAllValues:StringNotEquals': { 'dynamodb:LeadingKeys': ['@in-service'] } };
    const pointerWriters: string[] = [];
    const otherWriters: string[] = [];
    for (const handler of Object.keys(functions())) {
      for (const statement of statementsOf(handler)) {
        const actions = Array.isArray(statement.Action) ? statement.Action : [statement.Action];
        if (
          !actions.some((a) => writes.includes(a)) ||
          !resourcesOf(statement).some((r) => JSON.stringify(r) === models)
        )
          continue;
        expect(
          statement.Condition,
          `${handler}: ${actions.join(', ')} on the models table without a condition`,
        ).toBeDefined();
        if (JSON.stringify(statement.Condition) === JSON.stringify(pointerOnly)) {
          expect(actions, handler).toEqual(['dynamodb:PutItem']);
          pointerWriters.push(handler);
        } else {
          expect(statement.Condition, handler).toEqual(exceptPointer);
          otherWriters.push(`${handler} ${actions.join(',')}`);
        }
      }
    }
    expect(pointerWriters.sort()).toEqual(['promote-model', 'review-api']);
    expect(otherWriters.sort()).toEqual([
      'promote-model dynamodb:UpdateItem',
      'record-retrain-failure dynamodb:UpdateItem',
      'reject-candidate dynamodb:UpdateItem',
      'review-api dynamodb:UpdateItem',
      'train-candidate dynamodb:PutItem',
    ]);
  });

  it('review-api: starts only the retrain state machine; reads the runs of both', () => {
    const statements = statementsOf('review-api');
    const classify = s.stack.classification.stateMachine;
    const retrain = s.stack.retrain.stateMachine;
    expect(allowing(statements, 'states:StartExecution').flatMap(resourcesOf)).toEqual([ref(retrain)]);
    expect(allowing(statements, 'states:ListExecutions').flatMap(resourcesOf)).toEqual(
      expect.arrayContaining([ref(retrain), ref(classify)]),
    );
    const executions = JSON.stringify(allowing(statements, 'states:GetExecutionHistory').flatMap(resourcesOf));
    for (const machine of [classify, retrain])
      expect(executions).toContain(`":execution:",{"Fn::GetAtt":["${logicalId(machine)}","Name"]},":*"`);
    const variables =
      s.json.Resources[logicalId(s.stack.reviewApi.handler.function)]!.Properties!.Environment.Variables;
    expect(variables).toMatchObject({
      CLASSIFY_STATE_MACHINE_ARN: ref(classify),
      RETRAIN_STATE_MACHINE_ARN: ref(retrain),
    });
  });

  it('no role in the stack has a "*" action or a managed policy (but the deployment provider, next)', () => {
    for (const [id, resource] of Object.entries(s.json.Resources)) {
      if (isDeploymentProvider(id)) continue;
      if (resource.Type === 'AWS::IAM::Role') expect(resource.Properties!.ManagedPolicyArns, id).toBeUndefined();
      if (resource.Type !== 'AWS::IAM::Policy') continue;
      for (const statement of resource.Properties!.PolicyDocument.Statement as Statement[]) {
        for (const action of [statement.Action].flat()) expect(action, id).not.toMatch(/\*/);
      }
    }
  });
});

describe('classification workflow', () => {
  it('STANDARD by default, X-Ray on, logs at ERROR without execution data', () => {
    s.template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: {
        Level: 'ERROR',
        IncludeExecutionData: false,
        Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: arnOf(s.stack.classification.workflow.logGroup) } }],
      },
    });
  });

  it('the state machine role may invoke exactly the step functions (unqualified ARNs)', () => {
    const role = s.stack.classification.stateMachine.role;
    const invoke = allowing(statementsOfRole(s.json, logicalId(role)), 'lambda:InvokeFunction');
    const expected = Object.values(WORKFLOWS['classify-ticket'].functions).map((h) => arnOf(functions()[h]!.function));
    expect(invoke.flatMap(resourcesOf)).toEqual(expect.arrayContaining(expected));
    expect(invoke.flatMap(resourcesOf)).toHaveLength(expected.length);
  });

  it('SQS event source: batch 10, max concurrency 5, partial batch failures', () => {
    s.template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
    s.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: arnOf(s.stack.queues.input),
      FunctionName: ref(s.stack.classification.startClassification.function),
      BatchSize: 10,
      ScalingConfig: { MaximumConcurrency: 5 },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('EXPRESS (context classifyWorkflowType=EXPRESS): Express type, logs at ALL still without execution data', () => {
    const express = synth({ context: { classifyWorkflowType: 'EXPRESS' } });
    express.template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'EXPRESS',
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: false },
    });
    // Express has no DescribeExecution (and never answers ExecutionAlreadyExists): not granted.
    const start = statementsOfRole(express.json, logicalId(express.stack.classification.startClassification.role));
    expect(actionsOf(start)).toEqual(
      EXPECTED_ACTIONS['start-classification']!.filter((a) => a !== 'states:DescribeExecution').sort(),
    );
    // Nor does the review API get classify-ticket's (absent) runs: no ARN (it answers 503 NotConfigured), no grant on it.
    const api = express.stack.reviewApi.handler;
    expect(
      express.json.Resources[logicalId(api.function)]!.Properties!.Environment.Variables.CLASSIFY_STATE_MACHINE_ARN,
    ).toBeUndefined();
    const machine = logicalId(express.stack.classification.stateMachine);
    expect(JSON.stringify(statementsOfRole(express.json, logicalId(api.role)))).not.toContain(machine);
  });
});

describe('retraining workflow', () => {
  it('EventBridge Scheduler starts the retrain state machine on the context schedule (default 03:00 UTC daily)', () => {
    s.template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 3 * * ? *)',
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
      Target: {
        Arn: ref(s.stack.retrain.stateMachine),
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
      },
    });
    const custom = synth({ context: { retrainSchedule: 'rate(6 hours)' } });
    custom.template.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'rate(6 hours)' });
  });

  it("the schedule's role may only start the retrain state machine", () => {
    const schedule = s.template.findResources('AWS::Scheduler::Schedule');
    const roleArn = Object.values(schedule)[0]!.Properties.Target.RoleArn as { 'Fn::GetAtt': [string, string] };
    const statements = statementsOfRole(s.json, roleArn['Fn::GetAtt'][0]);
    expect(actionsOf(statements)).toEqual(['states:StartExecution']);
    expect(statements.flatMap(resourcesOf)).toEqual([ref(s.stack.retrain.stateMachine)]);
  });
});

describe('review API', () => {
  it('HTTP API: one $default route behind a JWT authorizer of the Cognito user pool; access logs; throttling', () => {
    const pool = s.stack.signIn!.userPool;
    s.template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: {
        Audience: [ref(s.stack.signIn!.client)],
        Issuer: { 'Fn::Join': ['', ['https://cognito-idp.', { Ref: 'AWS::Region' }, '.amazonaws.com/', ref(pool)]] },
      },
    });
    s.template.resourceCountIs('AWS::ApiGatewayV2::Route', 1);
    s.template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: '$default', AuthorizationType: 'JWT' });
    s.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      AccessLogSettings: {
        DestinationArn: arnOf(s.stack.reviewApi.accessLogs),
        Format: Match.stringLikeRegexp('requestId'),
      },
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
    });
    s.template.hasResourceProperties('AWS::Cognito::UserPool', {
      MfaConfiguration: 'ON',
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      Policies: { PasswordPolicy: Match.objectLike({ MinimumLength: 12, RequireSymbols: true }) },
    });
  });

  it('with feedbackApiJwtIssuer/Audience in context: that issuer, no user pool', () => {
    const custom = synth({
      context: { feedbackApiJwtIssuer: 'https://login.example.com/', feedbackApiJwtAudience: 'triage-api, triage-web' },
    });
    custom.template.resourceCountIs('AWS::Cognito::UserPool', 0);
    custom.template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      JwtConfiguration: { Issuer: 'https://login.example.com/', Audience: ['triage-api', 'triage-web'] },
    });
  });

  it('targetPrecision and coverageTolerance in context: set on the Retrain and Evaluate steps only', () => {
    const custom = synth({ context: { targetPrecision: '0.9', coverageTolerance: 0.05 } });
    const variables = (fn: { function: Parameters<typeof logicalId>[0] }) =>
      custom.json.Resources[logicalId(fn.function)]!.Properties!.Environment.Variables as Record<string, string>;
    const steps = custom.stack.retrain.steps;
    expect(variables(steps['train-candidate']!)).toMatchObject({ TARGET_PRECISION: '0.9' });
    expect(variables(steps['evaluate-model']!)).toMatchObject({ COVERAGE_TOLERANCE: '0.05' });
    expect(variables(steps['evaluate-model']!)).not.toHaveProperty('TARGET_PRECISION');
    expect(variables(steps['train-candidate']!)).not.toHaveProperty('COVERAGE_TOLERANCE');
  });

  it('bad context fails synthesis with the key named', () => {
    expect(() => synth({ context: { classifyWorkflowType: 'FAST' } })).toThrow(/classifyWorkflowType/);
    expect(() => synth({ context: { targetPrecision: 0 } })).toThrow(
      /context targetPrecision: 0 is not a number above 0/,
    );
    expect(() => synth({ context: { coverageTolerance: '1.5' } })).toThrow(/context coverageTolerance: "1.5"/);
    // Retired: says what replaced it rather than being ignored.
    expect(() => synth({ context: { needsReviewThreshold: 0.6 } })).toThrow(
      /context needsReviewThreshold: 0\.6 is no longer a setting: .* set targetPrecision instead/,
    );
    expect(() => synth({ context: { feedbackApiJwtIssuer: 'https://x.example/' } })).toThrow(/feedbackApiJwtAudience/);
  });
});

describe('alarms and outputs', () => {
  it('alarms: input DLQ depth, rejected queue depth and age, failed executions of each state machine', () => {
    const alarm = (metric: string, dimensions: unknown) =>
      s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: metric,
        Dimensions: [dimensions],
        Threshold: Match.anyValue(),
      });
    alarm('ApproximateNumberOfMessagesVisible', {
      Name: 'QueueName',
      Value: { 'Fn::GetAtt': [logicalId(s.stack.queues.inputDeadLetter), 'QueueName'] },
    });
    alarm('ApproximateNumberOfMessagesVisible', {
      Name: 'QueueName',
      Value: { 'Fn::GetAtt': [logicalId(s.stack.queues.rejected), 'QueueName'] },
    });
    alarm('ApproximateAgeOfOldestMessage', {
      Name: 'QueueName',
      Value: { 'Fn::GetAtt': [logicalId(s.stack.queues.rejected), 'QueueName'] },
    });
    alarm('ExecutionsFailed', { Name: 'StateMachineArn', Value: ref(s.stack.classification.stateMachine) });
    alarm('ExecutionsFailed', { Name: 'StateMachineArn', Value: ref(s.stack.retrain.stateMachine) });
    s.template.resourceCountIs('AWS::CloudWatch::Alarm', 5);
    s.template.allResourcesProperties('AWS::CloudWatch::Alarm', { TreatMissingData: 'notBreaching' });
  });

  it('with alarmTopicArn in context, every alarm notifies it', () => {
    const topic = 'arn:aws:sns:us-east-1:123456789012:oncall';
    synth({ context: { alarmTopicArn: topic } }).template.allResourcesProperties('AWS::CloudWatch::Alarm', {
      AlarmActions: [topic],
      OKActions: [topic],
    });
  });

  it('outputs: queue URLs, bucket, tables, and the console URL of each state machine', () => {
    const outputs = s.json.Outputs!;
    expect(Object.keys(outputs)).toEqual(
      expect.arrayContaining([
        'InputQueueUrl',
        'OutputQueueUrl',
        'RejectedQueueUrl',
        'InputDeadLetterQueueUrl',
        'ModelBucketName',
        'ModelsTableName',
        'ClassifyStateMachineConsoleUrl',
        'RetrainStateMachineConsoleUrl',
        'FeedbackApiUrl',
      ]),
    );
    expect(outputs.InputQueueUrl!.Value).toEqual(ref(s.stack.queues.input));
    expect(outputs.ModelBucketName!.Value).toEqual(ref(s.stack.modelBucket.bucket));
    for (const [output, machine] of [
      ['ClassifyStateMachineConsoleUrl', s.stack.classification.stateMachine],
      ['RetrainStateMachineConsoleUrl', s.stack.retrain.stateMachine],
    ] as const) {
      expect(outputs[output]!.Value).toEqual({
        'Fn::Join': [
          '',
          [
            'https://',
            { Ref: 'AWS::Region' },
            '.console.aws.amazon.com/states/home?region=',
            { Ref: 'AWS::Region' },
            '#/statemachines/view/',
            ref(machine),
          ],
        ],
      });
    }
  });

  it('the stack is environment-agnostic (no account or region baked in)', () => {
    expect(Token.isUnresolved(s.stack.account)).toBe(true);
    expect(Token.isUnresolved(s.stack.region)).toBe(true);
    expect(JSON.stringify(s.json)).not.toMatch(/\b\d{12}\b/);
  });
});
