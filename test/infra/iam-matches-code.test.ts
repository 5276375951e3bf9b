/**
 * The roles and environments of the synthesized stack match what each Lambda
 * handler's code can do: every AWS call reachable from `handlers/<name>.ts` is
 * allowed on exactly its resource, nothing else is allowed (except the
 * {@link ALLOWED_WITHOUT_CALL} list, each with its reason), and every setting
 * the code needs is in the function's environment.
 *
 * The calls come from `code-access.ts` (static analysis: the handler's bundle,
 * the TypeScript checker's call graph from the handler down to the SDK command
 * constructors, and the values of their resource-naming inputs). A failure
 * names the handler, the action or setting, the file and line that calls it,
 * and the chain of functions from the handler to there.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config.ts';
import { IN_SERVICE_KEY } from '../../src/model-store/registry.ts';
import { EVALUATIONS_PREFIX } from '../../src/retraining/evaluate.ts';
import { FEEDBACK_SNAPSHOT_PREFIX } from '../../src/retraining/snapshot.ts';
import { TABLES, type TableName } from '../../src/storage/tables.ts';
import { OTHER_FUNCTIONS, WORKFLOWS, type WorkflowName } from '../../src/workflows/catalog.ts';
import { PROJECT_ROOT } from '../../infra/functions/bundling.ts';
import type { TriageFunction } from '../../infra/functions/triage-function.ts';
import {
  CodeAccessAnalyzer,
  COMMAND_ACTIONS,
  describeValue,
  UPLOAD_COMMANDS,
  type AwsCall,
  type HandlerAccess,
  type ResourceHint,
  type Value,
} from '../../tools/code-access/code-access.ts';
import { logicalId, statementsOfRole, synth, type CfnTemplate, type Statement, type Synthesized } from './support.ts';

// ---------------------------------------------------------------------------
// What the analysis cannot see by itself, each with why
// ---------------------------------------------------------------------------

/** Which state machine setting `deps.stateMachines[workflow]` is (handlers/review-api.ts fills the map from them). */
const STATE_MACHINE_SETTINGS: Readonly<Record<WorkflowName, string>> = {
  'classify-ticket': 'CLASSIFY_STATE_MACHINE_ARN',
  'retrain-model': 'RETRAIN_STATE_MACHINE_ARN',
};

/**
 * Resource-naming expressions whose value is only known at run time. The
 * analysis stops at these (file + expression as written) and takes the values
 * given here; a hint that no longer matches any expression fails the test.
 */
const RESOURCE_HINTS: readonly ResourceHint[] = [
  {
    file: 'src/retraining/retrain.ts',
    expression: 'input.snapshotKey',
    values: () => [{ kind: 'prefix', value: FEEDBACK_SNAPSHOT_PREFIX }],
    reason:
      "The Retrain step's input snapshotKey is GatherFeedback's output, made by snapshotKeyFor() (workflows/retrain-model.asl.json passes it on).",
  },
  {
    file: 'src/retraining/evaluate.ts',
    expression: 'input.snapshotKey',
    values: () => [{ kind: 'prefix', value: FEEDBACK_SNAPSHOT_PREFIX }],
    reason: "The Evaluate step's input snapshotKey is GatherFeedback's output, made by snapshotKeyFor().",
  },
  {
    file: 'src/operations/models.ts',
    expression: 'record.evaluationKey',
    values: () => [{ kind: 'prefix', value: EVALUATIONS_PREFIX }],
    reason:
      "A registry record's evaluationKey is set by Promote/Reject from the Evaluate step's evaluationKey, made by evaluationKeyFor().",
  },
  {
    file: 'src/workflows/runs.ts',
    expression: 'e.executionArn',
    values: (_node, _evaluate, inScope) => inScope('stateMachineArn'),
    reason:
      'An execution that ListExecutions returned for stateMachineArn: one of the executions of that state machine.',
  },
  {
    file: 'src/api/review-api.ts',
    expression: 'deps.stateMachines[workflow]',
    values: (node, evaluate) => {
      const workflows = evaluate(node.argumentExpression);
      const named = workflows.every((w) => w.kind === 'literal')
        ? workflows.map((w) => (w as { value: string }).value)
        : Object.keys(STATE_MACHINE_SETTINGS);
      return named.map((w): Value => {
        const setting = STATE_MACHINE_SETTINGS[w as WorkflowName];
        if (!setting) throw new Error(`src/api/review-api.ts: unknown workflow ${w}`);
        return { kind: 'env', name: setting };
      });
    },
    reason:
      "handlers/review-api.ts fills deps.stateMachines from CLASSIFY_STATE_MACHINE_ARN and RETRAIN_STATE_MACHINE_ARN; the workflow is a literal at POST /api/retrain and the request's `workflow` parameter (any of them) elsewhere.",
  },
];

/** Actions a role holds without a call in the handler's code, and why. */
const ALLOWED_WITHOUT_CALL: readonly {
  handler: string | '*';
  actions: readonly string[];
  resource: 'own log group' | 'input queue';
  reason: string;
}[] = [
  {
    handler: '*',
    actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    resource: 'own log group',
    reason: "Lambda writes the function's logs with the function's role.",
  },
  {
    handler: OTHER_FUNCTIONS.startClassification,
    actions: [
      'sqs:ChangeMessageVisibility',
      'sqs:DeleteMessage',
      'sqs:GetQueueAttributes',
      'sqs:GetQueueUrl',
      'sqs:ReceiveMessage',
    ],
    resource: 'input queue',
    reason:
      "The SQS event source mapping polls the input queue, and deletes what the handler processed, with the function's role.",
  },
];

/**
 * Settings the code reads that have no default but may stay unset, and why.
 * (A setting with a default that names a resource, like MODELS_TABLE, is
 * required anyway when the code calls that resource.)
 */
const MAY_BE_UNSET: Readonly<Record<string, string>> = {
  AWS_ENDPOINT_URL: 'Points the SDK at the local servers; unset on AWS.',
  AWS_ENDPOINT_URL_S3: 'Local runtime only.',
  AWS_ENDPOINT_URL_SQS: 'Local runtime only.',
  AWS_ENDPOINT_URL_DYNAMODB: 'Local runtime only.',
  AWS_ENDPOINT_URL_SFN: 'Local runtime only.',
  RETRAIN_PROFILE: 'Unset: a retrained model keeps the profile of the model in service.',
};

/**
 * npm packages a bundle may hold. The analysis looks at the project's code
 * only: a package that calls AWS by itself (Powertools idempotency writes
 * DynamoDB, for one) would go unseen, so each one is listed with why it does not.
 */
const PACKAGES_WITHOUT_AWS_CALLS: readonly { readonly name: string | RegExp; readonly reason: string }[] = [
  {
    name: /^@aws-sdk\//,
    reason: 'The SDK: the analysis models the calls the code makes through it (command classes, lib-storage Upload).',
  },
  { name: /^@smithy\//, reason: "The SDK's runtime (HTTP, signing, retries)." },
  { name: /^@aws-crypto\//, reason: "The SDK's checksums." },
  { name: '@aws/lambda-invoke-store', reason: "The SDK's per-invocation context store; no calls." },
  { name: '@aws-lambda-powertools/logger', reason: 'Writes JSON to stdout.' },
  {
    name: '@aws-lambda-powertools/batch',
    reason: 'Processes the SQS batch in memory and reports failures in the response.',
  },
  {
    name: '@aws-lambda-powertools/event-handler',
    reason: "The review API's HTTP router: routes an API Gateway event to a handler in memory.",
  },
  { name: '@aws-lambda-powertools/commons', reason: 'Helpers of the Powertools packages.' },
  {
    name: '@aws-lambda-powertools/jmespath',
    reason: 'JMESPath of Powertools idempotency (finds the key in the payload).',
  },
  { name: 'zod', reason: 'Validation.' },
  { name: 'to-fast-properties', reason: "Changes how V8 stores the local SDK clients' config object; no I/O." },
  { name: 'natural', reason: 'Stemmers (lazy chunks).' },
  { name: 'stopwords-iso', reason: 'Stop word lists (a dependency of natural).' },
  { name: 'bowser', reason: 'User agent parsing in the SDK.' },
  { name: 'mnemonist', reason: "LRU cache of the SDK's endpoint discovery." },
  { name: 'obliterator', reason: 'Iterators of mnemonist.' },
  { name: 'tslib', reason: 'TypeScript helpers.' },
  { name: 'fast-xml-parser', reason: "The S3 client's XML." },
  { name: 'strnum', reason: 'Number parsing of fast-xml-parser.' },
  { name: 'uuid', reason: 'Idempotency tokens of the SDK.' },
];

/**
 * npm packages that call AWS themselves, and what they call: the analysis
 * cannot see inside them, so their calls are added to what the handler's code
 * calls whenever its bundle holds them. Powertools idempotency reads and
 * writes its records (src/lambda/once-per-ticket.ts builds its persistence
 * layer on the table named by IDEMPOTENCY_TABLE).
 */
const PACKAGES_WITH_AWS_CALLS: readonly { readonly name: string; readonly calls: readonly AwsCall[] }[] = [
  {
    name: '@aws-lambda-powertools/idempotency',
    calls: [
      {
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
        service: 'dynamodb',
        sdkClass: 'DynamoDBPersistenceLayer',
        site: 'node_modules/@aws-lambda-powertools/idempotency (persistence/DynamoDBPersistenceLayer.js)',
        via: ['src/lambda/once-per-ticket.ts records'],
        inputs: { TableName: [{ kind: 'env', name: 'IDEMPOTENCY_TABLE' }] },
      },
    ],
  },
];

/** Settings every function gets from TriageFunction itself, whatever its code reads. */
const SET_ON_EVERY_FUNCTION = new Set(['LOG_LEVEL']);

/**
 * Only these handlers may write the models table's in-service pointer:
 * promote-model (the retraining gate's decision, every automatic promotion)
 * and review-api (an admin's decision by hand, `POST /api/models/{version}/promote`
 * and `POST /api/models/rollback`, recorded with who and why, as the CLI's
 * `triage models promote|rollback` does with IAM credentials). Both move it
 * with the same conditional write (ModelRegistry.movePointer).
 */
const POINTER_WRITERS = new Set(['promote-model', OTHER_FUNCTIONS.reviewApi]);
const WRITE_ACTIONS = new Set([
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
]);

/** GetObject brings ListBucket of the prefix, so that a missing key is 404 NoSuchKey (S3ModelStore.getObject -> ModelNotFoundError), not 403. */
const LIST_WITH_GET = 's3:ListBucket';

// ---------------------------------------------------------------------------
// What the code needs, what the template grants
// ---------------------------------------------------------------------------

type Kind = 'table' | 'index' | 'objects' | 'bucket' | 'queue' | 'stateMachine' | 'executions' | 'logGroup' | 'unknown';

/** A resource of the template, from a statement's `Resource`. */
interface GrantedResource {
  readonly kind: Kind;
  readonly id?: string;
  readonly index?: string;
  readonly prefix?: string;
  readonly raw: unknown;
}

interface Grant {
  readonly action: string;
  readonly resource: GrantedResource;
  /** ListBucket: the `s3:prefix` it is limited to (without the `*`). */
  readonly listPrefix?: string;
  /** DynamoDB: which partition keys it allows (`dynamodb:LeadingKeys`). */
  readonly leadingKeys?: { readonly only?: readonly string[]; readonly except?: readonly string[] };
  readonly statement: Statement;
}

/** One thing the code does on one resource. */
interface Need {
  readonly action: string;
  readonly kind: Kind;
  /** The setting that names the resource. */
  readonly setting: string;
  readonly index?: string;
  /** S3: the key (or the start of it). */
  readonly keyPrefix?: string;
  /** DynamoDB write: the partition key values (undefined: any). */
  readonly partitionKeys?: readonly string[];
  readonly call: AwsCall;
}

function resourceKind(json: CfnTemplate, id: string): Kind {
  const type = json.Resources[id]?.Type;
  return (
    (
      {
        'AWS::DynamoDB::Table': 'table',
        'AWS::SQS::Queue': 'queue',
        'AWS::S3::Bucket': 'bucket',
        'AWS::StepFunctions::StateMachine': 'stateMachine',
        'AWS::Logs::LogGroup': 'logGroup',
      } as Record<string, Kind>
    )[type ?? ''] ?? 'unknown'
  );
}

/** What a statement's resource is: a table, one of its indexes, objects under a prefix, executions of a state machine, ... */
function classifyResource(json: CfnTemplate, raw: unknown): GrantedResource {
  // biome-ignore lint/suspicious/noExplicitAny: CloudFormation JSON, read by the intrinsic functions it holds.
  const r = raw as Record<string, any>;
  if (r?.['Fn::GetAtt']?.[1] === 'Arn') {
    const id = r['Fn::GetAtt'][0] as string;
    return { kind: resourceKind(json, id), id, raw };
  }
  if (typeof r?.Ref === 'string' && resourceKind(json, r.Ref) === 'stateMachine')
    return { kind: 'stateMachine', id: r.Ref, raw };
  const join = r?.['Fn::Join'];
  if (Array.isArray(join) && join[0] === '') {
    const parts = join[1] as unknown[];
    // biome-ignore lint/suspicious/noExplicitAny: CloudFormation JSON.
    const [first, suffix] = parts as [Record<string, any>, unknown];
    if (parts.length === 2 && first?.['Fn::GetAtt']?.[1] === 'Arn' && typeof suffix === 'string') {
      const id = first['Fn::GetAtt'][0] as string;
      const kind = resourceKind(json, id);
      if (kind === 'table' && suffix.startsWith('/index/'))
        return { kind: 'index', id, index: suffix.slice('/index/'.length), raw };
      if (kind === 'bucket' && /^\/.*\*$/.test(suffix))
        return { kind: 'objects', id, prefix: suffix.slice(1, -1), raw };
    }
    // biome-ignore lint/suspicious/noExplicitAny: CloudFormation JSON.
    type Json = Record<string, any>;
    const name = parts.find((p) => (p as Json)?.['Fn::GetAtt']?.[1] === 'Name') as Json | undefined;
    if (name && parts.includes(':execution:') && parts.at(-1) === ':*')
      return { kind: 'executions', id: name['Fn::GetAtt'][0], raw };
  }
  return { kind: 'unknown', raw };
}

function grantsOf(json: CfnTemplate, statements: readonly Statement[]): Grant[] {
  const grants: Grant[] = [];
  for (const statement of statements) {
    if (statement.Effect !== 'Allow') throw new Error(`unexpected ${statement.Effect} statement`);
    const condition = statement.Condition ?? {};
    const listPrefix = condition.StringLike?.['s3:prefix'] as string | undefined;
    const only = condition['ForAllValues:StringEquals']?.['dynamodb:LeadingKeys'] as string[] | undefined;
    const except = condition['ForAllValues:StringNotEquals']?.['dynamodb:LeadingKeys'] as string[] | undefined;
    for (const action of [statement.Action].flat()) {
      for (const raw of [statement.Resource].flat()) {
        grants.push({
          action,
          resource: classifyResource(json, raw),
          ...(listPrefix !== undefined && { listPrefix: listPrefix.replace(/\*$/, '') }),
          ...((only || except) && { leadingKeys: { ...(only && { only }), ...(except && { except }) } }),
          statement,
        });
      }
    }
  }
  return grants;
}

const where = (call: AwsCall) => `${call.site} (${call.sdkClass}; via ${call.via.join(' > ')})`;

/** The resources each call needs, as settings + qualifiers; what cannot be told is a failure. */
function needsOf(
  access: HandlerAccess,
  partitionKeyOf: (setting: string) => string | undefined,
): { needs: Need[]; failures: string[] } {
  const needs: Need[] = [];
  const failures: string[] = [];
  const settingsOf = (call: AwsCall, input: string): string[] => {
    const values = call.inputs[input] ?? [];
    const settings: string[] = [];
    for (const value of values) {
      if (value.kind === 'env') settings.push(value.name);
      else {
        failures.push(
          `${access.handler}: cannot tell which resource ${input} ${describeValue(value)} names, for ${call.actions.join('+')} at ${where(call)}. ` +
            (value.kind === 'unresolved'
              ? 'Name the resource by a setting (config()/required()), or add a RESOURCE_HINTS entry with the reason.'
              : 'A resource must be named by a setting, not hard-coded.'),
        );
      }
    }
    return [...new Set(settings)];
  };
  const packageCalls = PACKAGES_WITH_AWS_CALLS.filter((p) => access.packages.includes(p.name)).flatMap((p) => p.calls);
  for (const call of [...access.calls, ...packageCalls]) {
    for (const action of call.actions) {
      switch (call.service) {
        case 'dynamodb': {
          const tables = settingsOf(call, 'TableName');
          if (tables.length === 0 && !call.inputs.TableName)
            failures.push(`${access.handler}: ${action} at ${where(call)} has no TableName the analysis can see`);
          const indexes = (call.inputs.IndexName ?? []).map((v) => (v.kind === 'literal' ? v.value : undefined));
          if (indexes.includes(undefined))
            failures.push(
              `${access.handler}: ${action} at ${where(call)}: cannot tell the index (${(call.inputs.IndexName ?? []).map(describeValue).join(', ')})`,
            );
          for (const setting of tables) {
            const keyAttribute = partitionKeyOf(setting);
            const keyValues = keyAttribute ? (call.inputs[`Key.${keyAttribute}`] ?? []) : [];
            const partitionKeys =
              keyValues.length > 0 && keyValues.every((v) => v.kind === 'literal')
                ? keyValues.map((v) => (v as { value: string }).value)
                : undefined;
            if (indexes.length === 0)
              needs.push({ action, kind: 'table', setting, ...(partitionKeys && { partitionKeys }), call });
            for (const index of indexes) if (index) needs.push({ action, kind: 'index', setting, index, call });
          }
          break;
        }
        case 's3': {
          const buckets = settingsOf(call, 'Bucket');
          const keys: string[] = [];
          for (const value of call.inputs.Key ?? []) {
            if (value.kind === 'literal' || value.kind === 'prefix') keys.push(value.value);
            else
              failures.push(
                `${access.handler}: cannot tell the S3 key ${describeValue(value)} for ${action} at ${where(call)}; build it from a constant prefix, or add a RESOURCE_HINTS entry with the reason.`,
              );
          }
          for (const setting of buckets) {
            for (const keyPrefix of new Set(keys)) {
              needs.push({ action, kind: 'objects', setting, keyPrefix, call });
              if (action === 's3:GetObject')
                needs.push({ action: LIST_WITH_GET, kind: 'bucket', setting, keyPrefix, call });
            }
          }
          break;
        }
        case 'sqs':
          for (const setting of settingsOf(call, 'QueueUrl')) needs.push({ action, kind: 'queue', setting, call });
          break;
        case 'states':
          for (const setting of settingsOf(call, 'stateMachineArn'))
            needs.push({ action, kind: 'stateMachine', setting, call });
          for (const setting of settingsOf(call, 'executionArn'))
            needs.push({ action, kind: 'executions', setting, call });
          break;
      }
    }
  }
  return { needs, failures };
}

/** The resource a need's setting names in this function's environment (a `Ref` to it), with what it must be. */
const EXPECTED_KIND: Readonly<Record<Kind, Kind>> = {
  table: 'table',
  index: 'table',
  objects: 'bucket',
  bucket: 'bucket',
  queue: 'queue',
  stateMachine: 'stateMachine',
  executions: 'stateMachine',
  logGroup: 'logGroup',
  unknown: 'unknown',
};

function matches(need: Need, grant: Grant, id: string): boolean {
  if (grant.action !== need.action || grant.resource.id !== id) return false;
  switch (need.kind) {
    case 'table':
      return grant.resource.kind === 'table' && permitsKeys(grant, need);
    case 'index':
      return grant.resource.kind === 'index' && grant.resource.index === need.index;
    case 'objects':
      return grant.resource.kind === 'objects' && need.keyPrefix!.startsWith(grant.resource.prefix!);
    case 'bucket':
      return (
        grant.resource.kind === 'bucket' &&
        grant.listPrefix !== undefined &&
        need.keyPrefix!.startsWith(grant.listPrefix)
      );
    default:
      return grant.resource.kind === need.kind;
  }
}

/** Whether a grant's LeadingKeys condition lets the need's write (or read) through. */
function permitsKeys(grant: Grant, need: Need): boolean {
  const { only, except } = grant.leadingKeys ?? {};
  if (!only && !except) return true;
  const keys = need.partitionKeys;
  if (only) return keys?.every((k) => only.includes(k)) ?? false;
  // except: a write whose key is only known at run time is let through; the condition keeps it off the excepted keys.
  return keys === undefined || keys.every((k) => !except!.includes(k));
}

/** Everything wrong with one handler's role and environment, as messages. */
interface StackIds {
  readonly inputQueueId: string;
  /** Table logical id -> its name in `TABLES`. */
  readonly tables: Readonly<Record<string, TableName>>;
}

function compareWithTemplate(
  access: HandlerAccess,
  fn: { functionId: string; roleId: string; logGroupId: string },
  json: CfnTemplate,
  ids: StackIds,
): string[] {
  const { handler } = access;
  const failures: string[] = [];
  const environment = (json.Resources[fn.functionId]?.Properties?.Environment?.Variables ?? {}) as Record<
    string,
    unknown
  >;
  const resourceOfSetting = (setting: string): string | undefined => {
    const value = environment[setting] as { Ref?: string } | undefined;
    return typeof value?.Ref === 'string' ? value.Ref : undefined;
  };
  const tableOf = (setting: string): TableName | undefined => {
    const id = resourceOfSetting(setting);
    return id ? ids.tables[id] : undefined;
  };
  const partitionKeyOf = (setting: string) => {
    const table = tableOf(setting);
    return table ? TABLES[table].partitionKey : undefined;
  };

  const { needs, failures: unresolved } = needsOf(access, partitionKeyOf);
  failures.push(...unresolved);
  const grants = grantsOf(json, statementsOfRole(json, fn.roleId));

  // 1. Every call: its setting is in the environment, and the role allows it on that resource.
  const used = new Set<Grant>();
  const missingSettings = new Set<string>();
  for (const need of needs) {
    const id = resourceOfSetting(need.setting);
    if (!id) {
      if (!missingSettings.has(need.setting)) {
        failures.push(
          `${handler}: ${need.setting} is not in its environment (or is not a reference to a resource), but its code calls ${need.action} on the resource it names at ${where(need.call)}`,
        );
      }
      missingSettings.add(need.setting);
      continue;
    }
    const actual = resourceKind(json, id);
    if (actual !== EXPECTED_KIND[need.kind]) {
      failures.push(
        `${handler}: ${need.setting} names a ${actual}, but ${need.action} at ${need.call.site} needs a ${EXPECTED_KIND[need.kind]}`,
      );
      continue;
    }
    const allowing = grants.filter((g) => matches(need, g, id));
    const what =
      need.kind === 'index'
        ? `index ${need.index} of ${id}`
        : need.kind === 'objects' || need.kind === 'bucket'
          ? `${id} key ${JSON.stringify(need.keyPrefix)}`
          : `${need.kind} ${id}`;
    const pointer = need.partitionKeys?.includes(IN_SERVICE_KEY) ? ` (partition key ${IN_SERVICE_KEY})` : '';
    if (allowing.length === 0)
      failures.push(
        `${handler}: its role does not allow ${need.action} on ${what}${pointer}, which its code calls at ${where(need.call)}`,
      );
    for (const g of allowing) used.add(g);
  }

  // 2. The in-service pointer: written by POINTER_WRITERS only; a write grant on that table allows it only when the code writes it.
  for (const need of needs) {
    if (!WRITE_ACTIONS.has(need.action) || !need.partitionKeys?.includes(IN_SERVICE_KEY)) continue;
    if (!POINTER_WRITERS.has(handler))
      failures.push(
        `${handler}: its code writes the in-service pointer (${need.action} at ${where(need.call)}), but only ${[...POINTER_WRITERS].join(', ')} may`,
      );
  }
  for (const grant of grants) {
    if (!WRITE_ACTIONS.has(grant.action) || grant.resource.kind !== 'table') continue;
    // The pointer is an item of the models table.
    const setting = Object.keys(environment).find((k) => resourceOfSetting(k) === grant.resource.id);
    if (!setting || tableOf(setting) !== 'models') continue;
    const writes = needs.filter((n) => n.action === grant.action && n.kind === 'table' && n.setting === setting);
    const writesPointer = writes.some((n) => n.partitionKeys?.includes(IN_SERVICE_KEY));
    const writesOthers = writes.some(
      (n) => n.partitionKeys === undefined || n.partitionKeys.some((k) => k !== IN_SERVICE_KEY),
    );
    const { only, except } = grant.leadingKeys ?? {};
    const allowsPointer = only ? only.includes(IN_SERVICE_KEY) : !except?.includes(IN_SERVICE_KEY);
    const allowsOthers = !only || only.some((k) => k !== IN_SERVICE_KEY);
    if (allowsPointer && !writesPointer) {
      failures.push(
        `${handler}: its role allows ${grant.action} on the in-service pointer (${IN_SERVICE_KEY}) of ${grant.resource.id}, which its code never writes with ${grant.action}: exclude it (exceptPartitionKeys)`,
      );
    }
    if (allowsOthers && !writesOthers)
      failures.push(
        `${handler}: its role allows ${grant.action} on any item of ${grant.resource.id}, but its code writes only the in-service pointer with it: limit it (onlyPartitionKeys)`,
      );
  }

  // 3. Nothing else: every grant is used by a call, or is on the allow-list.
  for (const grant of grants) {
    if (used.has(grant)) continue;
    const allowed = ALLOWED_WITHOUT_CALL.some(
      (a) =>
        (a.handler === '*' || a.handler === handler) &&
        a.actions.includes(grant.action) &&
        grant.resource.id === (a.resource === 'own log group' ? fn.logGroupId : ids.inputQueueId),
    );
    if (allowed) continue;
    const resource =
      grant.resource.kind === 'unknown'
        ? JSON.stringify(grant.resource.raw)
        : `${grant.resource.kind} ${grant.resource.id}${grant.resource.index ? ` index ${grant.resource.index}` : ''}${grant.resource.prefix !== undefined ? ` ${grant.resource.prefix}*` : ''}${grant.listPrefix !== undefined ? ` (s3:prefix ${grant.listPrefix}*)` : ''}`;
    failures.push(
      `${handler}: its role allows ${grant.action} on ${resource}, but no code reachable from handlers/${handler}.ts calls it there (remove the grant, or add it to ALLOWED_WITHOUT_CALL with the reason)`,
    );
  }

  // 4. Settings: required ones set; optional ones without default set or explained; nothing set that the code does not use.
  const shape = configSchema.shape as Record<string, { safeParse(v: unknown): { success: boolean; data?: unknown } }>;
  const hasDefault = (name: string) => {
    const parsed = shape[name]?.safeParse(undefined);
    return parsed?.success === true && parsed.data !== undefined;
  };
  const reads = new Map<string, { required: boolean; site: string }>();
  for (const read of access.configReads) {
    const previous = reads.get(read.name);
    if (!previous || (read.required && !previous.required))
      reads.set(read.name, { required: read.required, site: read.site });
  }
  for (const [name, read] of reads) {
    if (name in environment) continue;
    if (read.required)
      failures.push(
        `${handler}: ${name} is not in its environment, but required('${name}') at ${read.site} throws without it`,
      );
    else if (!hasDefault(name) && !(name in MAY_BE_UNSET))
      failures.push(
        `${handler}: ${name} is not in its environment, but its code reads it at ${read.site} (no default; or add it to MAY_BE_UNSET with the reason)`,
      );
  }
  const neededSettings = new Set(needs.map((n) => n.setting));
  for (const name of Object.keys(environment)) {
    if (!(name in shape) || SET_ON_EVERY_FUNCTION.has(name)) continue;
    if (resourceOfSetting(name) ? !neededSettings.has(name) : !reads.has(name)) {
      failures.push(
        `${handler}: its environment sets ${name}, but no code reachable from handlers/${handler}.ts ${resourceOfSetting(name) ? 'calls the resource it names' : 'reads it'}`,
      );
    }
  }
  return failures;
}

// ---------------------------------------------------------------------------
// The tests
// ---------------------------------------------------------------------------

const HANDLERS = [
  ...Object.values(WORKFLOWS).flatMap((w) => Object.values(w.functions)),
  ...Object.values(OTHER_FUNCTIONS),
].sort();

let s: Synthesized;
let analyzer: CodeAccessAnalyzer;
const access: Record<string, HandlerAccess> = {};

beforeAll(() => {
  s = synth();
  analyzer = new CodeAccessAnalyzer(RESOURCE_HINTS);
  for (const handler of HANDLERS) access[handler] = analyzer.analyze(handler);
}, 180_000);
afterAll(() => analyzer?.close());

function functions(stack = s.stack): Record<string, TriageFunction> {
  return {
    ...stack.classification.steps,
    [OTHER_FUNCTIONS.startClassification]: stack.classification.startClassification,
    ...stack.retrain.steps,
    [OTHER_FUNCTIONS.reviewApi]: stack.reviewApi.handler,
  };
}

const idsOf = (fn: TriageFunction) => ({
  functionId: logicalId(fn.function),
  roleId: logicalId(fn.role),
  logGroupId: logicalId(fn.logGroup),
});
const stackIds = (): StackIds => ({
  inputQueueId: logicalId(s.stack.queues.input),
  tables: Object.fromEntries(
    (Object.keys(TABLES) as TableName[]).map((name) => [logicalId(s.stack.tables.table(name)), name]),
  ),
});
const compare = (handler: string, json: CfnTemplate = s.json) =>
  compareWithTemplate(access[handler]!, idsOf(functions()[handler]!), json, stackIds());

describe('the analysis itself', () => {
  it('understands everything every handler reaches (no SDK API it does not model, no call it cannot resolve)', () => {
    expect(HANDLERS.flatMap((h) => access[h]!.problems.map((p) => `${h}: ${p.site}: ${p.message}`))).toEqual([]);
  });

  it('every npm package in a bundle is one that makes no AWS call of its own (the analysis does not look inside packages)', () => {
    const known = (pkg: string) =>
      PACKAGES_WITH_AWS_CALLS.some((p) => p.name === pkg) ||
      PACKAGES_WITHOUT_AWS_CALLS.some((p) => (typeof p.name === 'string' ? p.name === pkg : p.name.test(pkg)));
    const unknown = HANDLERS.flatMap((h) =>
      access[h]!.packages.filter((p) => !known(p)).map(
        (p) => `handlers/${h}.ts bundles ${p}: add it to PACKAGES_WITHOUT_AWS_CALLS if it makes no AWS call of its own`,
      ),
    );
    expect(unknown).toEqual([]);
  });

  it('finds AWS calls in every handler, and every resource hint is still used', () => {
    for (const handler of HANDLERS) expect(access[handler]!.calls.length, handler).toBeGreaterThan(0);
    const used = new Set(analyzer.usedHints);
    expect(RESOURCE_HINTS.filter((h) => !used.has(h)).map((h) => `${h.file}: ${h.expression}`)).toEqual([]);
  });

  it('its SDK model is real: every command class exists, and lib-storage Upload constructs exactly UPLOAD_COMMANDS', () => {
    for (const key of Object.keys(COMMAND_ACTIONS)) {
      const [pkg, name] = key.split(':') as [string, string];
      const file =
        pkg === 'lib-storage'
          ? join(PROJECT_ROOT, 'node_modules/@aws-sdk/lib-storage/dist-types/Upload.d.ts')
          : join(PROJECT_ROOT, `node_modules/@aws-sdk/${pkg}/dist-types/commands/${name}.d.ts`);
      expect(existsSync(file), key).toBe(true);
    }
    const upload = readFileSync(join(PROJECT_ROOT, 'node_modules/@aws-sdk/lib-storage/dist-es/Upload.js'), 'utf8');
    expect([...new Set(upload.match(/new (\w+Command)\(/g)!.map((m) => m.slice(4, -1)))].sort()).toEqual([
      ...UPLOAD_COMMANDS,
    ]);
    // PutObjectTagging only with `tags`, which the model store never passes.
    expect(readFileSync(join(PROJECT_ROOT, 'src/model-store/s3-model-store.ts'), 'utf8')).not.toMatch(/\btags\b/);
  });

  it('reaches only the methods a handler uses (pin-model-version reads the pointer and nothing else)', () => {
    expect(access['pin-model-version']!.calls.map((c) => `${c.actions.join('+')} in ${c.via.at(-1)}`)).toEqual([
      'dynamodb:GetItem in src/model-store/registry.ts ModelRegistry.inService',
    ]);
    // The review API moves the pointer by hand only, through the CLI's operations; the gate's is not its.
    expect(access['review-api']!.units).toContain('src/operations/models.ts promoteByHand');
    expect(access['review-api']!.units).toContain('src/model-store/registry.ts ModelRegistry.movePointer');
    expect(access['review-api']!.units).not.toContain('src/retraining/decide.ts promoteCandidate');
    expect(access['gather-feedback']!.units).not.toContain('src/model-store/registry.ts ModelRegistry.movePointer');
  });
});

describe('every role allows exactly what its handler calls, on exactly its resources; every setting it needs is set', () => {
  for (const handler of HANDLERS) {
    it(handler, () => {
      expect(compare(handler)).toEqual([]);
    });
  }
});

describe('what it catches (the same comparison on altered templates)', () => {
  const withoutAction = (handler: string, action: string): CfnTemplate => {
    const json = structuredClone(s.json);
    const roleId = logicalId(functions()[handler]!.role);
    for (const resource of Object.values(json.Resources)) {
      if (
        resource.Type !== 'AWS::IAM::Policy' ||
        !(resource.Properties!.Roles as { Ref: string }[]).some((r) => r.Ref === roleId)
      )
        continue;
      const statements = resource.Properties!.PolicyDocument.Statement as Statement[];
      for (const statement of statements) statement.Action = [statement.Action].flat().filter((a) => a !== action);
      resource.Properties!.PolicyDocument.Statement = statements.filter((st) => [st.Action].flat().length > 0);
    }
    return json;
  };

  it('a missing action: names the handler, the action and the file that calls it', () => {
    const failures = compare('gather-feedback', withoutAction('gather-feedback', 'dynamodb:Scan'));
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(
      /^gather-feedback: its role does not allow dynamodb:Scan on table \w+, which its code calls at src\/model-store\/registry\.ts:\d+ \(ScanCommand; via handlers\/gather-feedback\.ts/,
    );
    expect(failures[0]).toContain('src/retraining/gather.ts lastJudgedWatermark');
  });

  it('a missing setting', () => {
    const json = structuredClone(s.json);
    delete json.Resources[logicalId(functions()['gather-feedback']!.function)]!.Properties!.Environment.Variables
      .MODELS_TABLE;
    // (The Scan grant then serves no call it can see, which is reported too.)
    expect(compare('gather-feedback', json)).toContainEqual(
      expect.stringMatching(
        /^gather-feedback: MODELS_TABLE is not in its environment .* calls dynamodb:Scan .* at src\/model-store\/registry\.ts:\d+/,
      ),
    );
  });

  it('a grant no code uses, and a pointer write outside promote-model', () => {
    const json = structuredClone(s.json);
    const roleId = logicalId(functions()['record-retrain-failure']!.role);
    const policy = Object.values(json.Resources).find(
      (r) => r.Type === 'AWS::IAM::Policy' && (r.Properties!.Roles as { Ref: string }[]).some((x) => x.Ref === roleId),
    )!;
    const models = { 'Fn::GetAtt': [logicalId(s.stack.tables.table('models')), 'Arn'] };
    policy.Properties!.PolicyDocument.Statement.push({ Effect: 'Allow', Action: 'dynamodb:PutItem', Resource: models });
    const failures = compare('record-retrain-failure', json);
    expect(failures).toContainEqual(
      expect.stringMatching(/^record-retrain-failure: its role allows dynamodb:PutItem on the in-service pointer/),
    );
    expect(failures).toContainEqual(
      expect.stringMatching(
        /^record-retrain-failure: its role allows dynamodb:PutItem on table \w+, but no code reachable from handlers\/record-retrain-failure\.ts calls it/,
      ),
    );
  });

  it('an S3 prefix that is not granted, and a model step that could write models/', () => {
    expect(compare('review-api', withoutAction('review-api', 's3:GetObject'))).toContainEqual(
      expect.stringMatching(
        /^review-api: its role does not allow s3:GetObject on \w+ key "models\/", which its code calls at src\/model-store\/s3-model-store\.ts:\d+/,
      ),
    );
    const json = structuredClone(s.json);
    const roleId = logicalId(functions()['predict-category']!.role);
    const policy = Object.values(json.Resources).find(
      (r) => r.Type === 'AWS::IAM::Policy' && (r.Properties!.Roles as { Ref: string }[]).some((x) => x.Ref === roleId),
    )!;
    policy.Properties!.PolicyDocument.Statement.push({
      Effect: 'Allow',
      Action: 's3:PutObject',
      Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalId(s.stack.modelBucket.bucket), 'Arn'] }, '/models/*']] },
    });
    expect(compare('predict-category', json)).toEqual([
      expect.stringMatching(/^predict-category: its role allows s3:PutObject on objects \w+ models\/\*, but no code/),
    ]);
  });
});

describe('for the record', () => {
  it('prints each handler: actions on resources, settings', () => {
    const lines: string[] = [];
    for (const handler of HANDLERS) {
      const actions = new Map<string, Set<string>>();
      for (const call of access[handler]!.calls) {
        for (const action of call.actions) {
          const resource = Object.entries(call.inputs)
            .filter(([k]) => !k.startsWith('Key.'))
            .map(([k, v]) => `${k}=${[...new Set(v.map(describeValue))].join('|')}`)
            .join(' ');
          if (!actions.has(action)) actions.set(action, new Set());
          actions.get(action)!.add(resource);
        }
      }
      lines.push(`${handler}:`);
      for (const [action, resources] of [...actions].sort()) lines.push(`  ${action}  ${[...resources].join('; ')}`);
      lines.push(
        `  settings read: ${[...new Set(access[handler]!.configReads.map((r) => r.name + (r.required ? ' (required)' : '')))].filter((n) => !n.startsWith('AWS_')).join(', ')}`,
      );
    }
    console.log(lines.join('\n'));
    expect(lines.length).toBeGreaterThan(HANDLERS.length);
  });
});
