import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Node } from 'constructs';
import { z } from 'zod';
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
  /** `selfSignUp`: people may create their own account on the sign-in page (default false: an admin creates users). */
  readonly selfSignUp: boolean;
  /** `signInDomainPrefix`: the managed login domain's prefix (`<prefix>.auth.<region>.amazoncognito.com`); default `triage-` + 8 hex digits of the stack id. */
  readonly signInDomainPrefix?: string;
  /** `logLevel`: DEBUG, INFO (default), WARN or ERROR. */
  readonly logLevel: TriageLogLevel;
  /**
   * `targetPrecision`: above 0, at most 1 (TARGET_PRECISION): the precision a retrained model's automatic
   * routes aim for; default: the product's (0.95).
   */
  readonly targetPrecision?: number;
  /**
   * `coverageTolerance`: 0..1 (COVERAGE_TOLERANCE): how far a candidate's coverage may fall below the model in
   * service's before the gate refuses it; default: the product's (0.03).
   */
  readonly coverageTolerance?: number;
  /** `startClassificationConcurrency`: max concurrent start-classification invocations (2..1000, default 5). */
  readonly startClassificationConcurrency: number;
  /** `alarmTopicArn`: an SNS topic every alarm notifies; default: alarms without actions. */
  readonly alarmTopicArn?: string;
  /** `stateMachineTracing`: X-Ray tracing of executions (default true). */
  readonly stateMachineTracing: boolean;
}

export const DEFAULT_RETRAIN_SCHEDULE = 'cron(0 3 * * ? *)';

const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const satisfies readonly TriageLogLevel[];

/** A context value as text: absent, null and '' are unset; numbers and booleans from cdk.json become text. */
const text = z.preprocess((value) => {
  if (value === undefined || value === null || value === '') return undefined;
  return String(value).trim();
}, z.string().optional());

const upper = <const T extends readonly [string, ...string[]]>(allowed: T, fallback: T[number], message: string) =>
  text.transform((v) => (v ?? fallback).toUpperCase()).pipe(z.enum(allowed, { message }));

/**
 * The context keys and their checks (values arrive as text from `-c key=value`,
 * or as numbers and booleans from cdk.json).
 */
const contextSchema = z
  .object({
    classifyWorkflowType: upper(['STANDARD', 'EXPRESS'], 'STANDARD', 'must be STANDARD or EXPRESS'),
    retrainSchedule: text
      .transform((v) => v ?? DEFAULT_RETRAIN_SCHEDULE)
      .pipe(z.string().regex(/^(cron|rate|at)\(.+\)$/, 'is not a cron(...), rate(...) or at(...) expression')),
    feedbackApiJwtIssuer: text.pipe(z.string().startsWith('https://', 'the issuer must be an https:// URL').optional()),
    feedbackApiJwtAudience: text,
    logLevel: upper(LOG_LEVELS, 'INFO', `is not one of ${LOG_LEVELS.join(', ')}`),
    /** Retired: refused when set (see the superRefine below), so a deployment that set it learns what replaced it. */
    needsReviewThreshold: text,
    targetPrecision: text
      .transform((v) => (v === undefined ? undefined : Number(v)))
      .pipe(
        z
          .number({ message: 'is not a number above 0 and at most 1' })
          .gt(0, 'is not a number above 0 and at most 1')
          .max(1, 'is not a number above 0 and at most 1')
          .optional(),
      ),
    coverageTolerance: text
      .transform((v) => (v === undefined ? undefined : Number(v)))
      .pipe(
        z
          .number({ message: 'is not a number from 0 to 1' })
          .min(0, 'is not a number from 0 to 1')
          .max(1, 'is not a number from 0 to 1')
          .optional(),
      ),
    startClassificationConcurrency: text
      .transform((v) => Number(v ?? 5))
      .pipe(
        z
          .number()
          .int('must be an integer from 2 to 1000')
          .min(2, 'must be an integer from 2 to 1000')
          .max(1000, 'must be an integer from 2 to 1000'),
      ),
    alarmTopicArn: text,
    stateMachineTracing: text
      .transform((v) => (v ?? 'true').toLowerCase())
      .pipe(z.enum(['true', 'false'], { message: 'must be true or false' })),
    selfSignUp: text
      .transform((v) => (v ?? 'false').toLowerCase())
      .pipe(z.enum(['true', 'false'], { message: 'must be true or false' })),
    signInDomainPrefix: text.pipe(
      z
        .string()
        .regex(
          /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/,
          'must be 1-63 lowercase letters, digits and hyphens (not at either end)',
        )
        .refine((v) => !/aws|amazon|cognito/.test(v), 'must not contain "aws", "amazon" or "cognito"')
        .optional(),
    ),
  })
  .superRefine((c, ctx) => {
    if (c.needsReviewThreshold !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['needsReviewThreshold'],
        message:
          'is no longer a setting: each model routes at the threshold fitted at training for a target precision; remove it and set targetPrecision instead (default 0.95)',
      });
    if ((c.feedbackApiJwtIssuer === undefined) !== (c.feedbackApiJwtAudience === undefined))
      ctx.addIssue({
        code: 'custom',
        path: [c.feedbackApiJwtIssuer ? 'feedbackApiJwtAudience' : 'feedbackApiJwtIssuer'],
        message: 'give both the JWT issuer and the audience, or neither (Cognito user pool)',
      });
  });

/** Reads and checks the settings; a bad value fails synthesis with the context key's name. */
export function readSettings(node: Node): TriageSettings {
  const raw = Object.fromEntries(Object.keys(contextSchema.shape).map((key) => [key, node.tryGetContext(key)]));
  const parsed = contextSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = String(issue.path[0]);
    const value = raw[key] === undefined || raw[key] === null ? '' : `${JSON.stringify(raw[key])} `;
    throw new Error(`context ${key}: ${value}${issue.message}`);
  }
  const c = parsed.data;
  return {
    classifyWorkflowType:
      c.classifyWorkflowType === 'EXPRESS' ? sfn.StateMachineType.EXPRESS : sfn.StateMachineType.STANDARD,
    retrainSchedule: c.retrainSchedule,
    ...(c.feedbackApiJwtIssuer &&
      c.feedbackApiJwtAudience && {
        reviewApiJwt: {
          issuer: c.feedbackApiJwtIssuer,
          audience: c.feedbackApiJwtAudience
            .split(',')
            .map((a) => a.trim())
            .filter(Boolean),
        },
      }),
    logLevel: c.logLevel,
    ...(c.targetPrecision !== undefined && { targetPrecision: c.targetPrecision }),
    ...(c.coverageTolerance !== undefined && { coverageTolerance: c.coverageTolerance }),
    startClassificationConcurrency: c.startClassificationConcurrency,
    ...(c.alarmTopicArn && { alarmTopicArn: c.alarmTopicArn }),
    stateMachineTracing: c.stateMachineTracing === 'true',
    selfSignUp: c.selfSignUp === 'true',
    ...(c.signInDomainPrefix && { signInDomainPrefix: c.signInDomainPrefix }),
  };
}
