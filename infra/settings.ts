import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Node } from 'constructs';
import type { TriageLogLevel } from './functions/triage-function.ts';

/**
 * The deployment's settings, read from CDK context (`cdk.json`, or
 * `npx cdk deploy -c name=value`). Every one has a default; none needs AWS.
 */
export interface TriageSettings {
  /** `classifyWorkflowType`: STANDARD (default) or EXPRESS; see ClassificationWorkflow for the trade-offs. */
  readonly classifyWorkflowType: sfn.StateMachineType;
  /** `retrainSchedule`: EventBridge Scheduler expression, UTC. Default `cron(0 3 * * ? *)` (03:00 every day). */
  readonly retrainSchedule: string;
  /**
   * `feedbackApiJwtIssuer` + `feedbackApiJwtAudience` (comma-separated): use your identity provider instead of
   * the Cognito user pool for the review API (the context keys keep the API's first name: deployments set them).
   */
  readonly reviewApiJwt?: { readonly issuer: string; readonly audience: readonly string[] };
  /** `logLevel`: DEBUG, INFO (default), WARN or ERROR. */
  readonly logLevel: TriageLogLevel;
  /** `needsReviewThreshold`: 0..1; default: the product's (0.6). */
  readonly needsReviewThreshold?: number;
  /** `startClassificationConcurrency`: max concurrent start-classification invocations (2..1000, default 5). */
  readonly startClassificationConcurrency: number;
  /** `alarmTopicArn`: an SNS topic every alarm notifies; default: alarms without actions. */
  readonly alarmTopicArn?: string;
  /** `stateMachineTracing`: X-Ray tracing of executions (default true). */
  readonly stateMachineTracing: boolean;
}

export const DEFAULT_RETRAIN_SCHEDULE = 'cron(0 3 * * ? *)';

const LOG_LEVELS: readonly TriageLogLevel[] = ['DEBUG', 'INFO', 'WARN', 'ERROR'];

/** Reads and checks the settings; a bad value fails synthesis with the context key's name. */
export function readSettings(node: Node): TriageSettings {
  const text = (key: string): string | undefined => {
    const value: unknown = node.tryGetContext(key);
    if (value === undefined || value === null || value === '') return undefined;
    return String(value).trim();
  };
  const fail = (key: string, message: string): never => {
    throw new Error(`context ${key}: ${message}`);
  };

  const type = (text('classifyWorkflowType') ?? 'STANDARD').toUpperCase();
  if (type !== 'STANDARD' && type !== 'EXPRESS')
    fail('classifyWorkflowType', `"${type}" is neither STANDARD nor EXPRESS`);

  const retrainSchedule = text('retrainSchedule') ?? DEFAULT_RETRAIN_SCHEDULE;
  if (!/^(cron|rate|at)\(.+\)$/.test(retrainSchedule))
    fail('retrainSchedule', `"${retrainSchedule}" is not a cron(...), rate(...) or at(...) expression`);

  const issuer = text('feedbackApiJwtIssuer');
  const audience = text('feedbackApiJwtAudience');
  if ((issuer === undefined) !== (audience === undefined))
    fail(
      issuer ? 'feedbackApiJwtAudience' : 'feedbackApiJwtIssuer',
      'give both the JWT issuer and the audience, or neither (Cognito user pool)',
    );
  if (issuer !== undefined && !issuer.startsWith('https://'))
    fail('feedbackApiJwtIssuer', 'the issuer must be an https:// URL');

  const logLevel = (text('logLevel') ?? 'INFO').toUpperCase() as TriageLogLevel;
  if (!LOG_LEVELS.includes(logLevel)) fail('logLevel', `"${logLevel}" is not one of ${LOG_LEVELS.join(', ')}`);

  const threshold = text('needsReviewThreshold');
  const needsReviewThreshold = threshold === undefined ? undefined : Number(threshold);
  if (needsReviewThreshold !== undefined && !(needsReviewThreshold >= 0 && needsReviewThreshold <= 1))
    fail('needsReviewThreshold', `"${threshold}" is not a number from 0 to 1`);

  const concurrency = Number(text('startClassificationConcurrency') ?? 5);
  if (!Number.isInteger(concurrency) || concurrency < 2 || concurrency > 1000)
    fail('startClassificationConcurrency', 'must be an integer from 2 to 1000');

  const tracing = (text('stateMachineTracing') ?? 'true').toLowerCase();
  if (tracing !== 'true' && tracing !== 'false') fail('stateMachineTracing', 'must be true or false');

  return {
    classifyWorkflowType: type === 'EXPRESS' ? sfn.StateMachineType.EXPRESS : sfn.StateMachineType.STANDARD,
    retrainSchedule,
    ...(issuer &&
      audience && {
        reviewApiJwt: {
          issuer,
          audience: audience
            .split(',')
            .map((a) => a.trim())
            .filter(Boolean),
        },
      }),
    logLevel,
    ...(needsReviewThreshold !== undefined && { needsReviewThreshold }),
    startClassificationConcurrency: concurrency,
    ...(text('alarmTopicArn') && { alarmTopicArn: text('alarmTopicArn') }),
    stateMachineTracing: tracing === 'true',
  };
}
