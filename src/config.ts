import * as z from './zod.ts';
import { TriageError } from './errors.ts';

/** A missing or malformed setting, named by its environment variable. */
export class ConfigError extends TriageError {
  override readonly name = 'ConfigError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'InvalidInput', options);
  }
}

const optionalString = z.optional(z.string().check(z.trim(), z.minLength(1)));
const number = (fallback: number, min: number, max: number) =>
  z._default(z.coerce.number().check(z.gte(min), z.lte(max)), fallback);

/**
 * Every setting of the product, read from the environment in one place. The
 * same names are set by CDK on AWS and by the local runtime (`npm start`).
 * `AWS_ENDPOINT_URL` (the SDK's standard variable) points every client at the
 * local servers; on AWS it is unset.
 */
export const configSchema = z.object({
  AWS_REGION: z._default(z.string(), 'us-east-1'),
  AWS_ENDPOINT_URL: z.optional(z.url()),
  /** Per-service endpoints (the SDK's standard names); the local runtime sets these, its servers listen on different ports. */
  AWS_ENDPOINT_URL_S3: z.optional(z.url()),
  AWS_ENDPOINT_URL_SQS: z.optional(z.url()),
  AWS_ENDPOINT_URL_DYNAMODB: z.optional(z.url()),
  AWS_ENDPOINT_URL_SFN: z.optional(z.url()),
  /** S3 bucket with model versions, feedback snapshots and the base training set. */
  MODEL_BUCKET: z._default(z.string(), 'ticket-triage-models'),
  /** DynamoDB table: the model registry and the pointer to the version in service. */
  MODELS_TABLE: z._default(z.string(), 'ticket-triage-models'),
  /** DynamoDB table: one item per ticket (prediction + feedback). */
  PREDICTIONS_TABLE: z._default(z.string(), 'ticket-triage-predictions'),
  /** DynamoDB table of the Powertools idempotency records (EXPRESS: ticket claims and first outcomes). */
  IDEMPOTENCY_TABLE: z._default(z.string(), 'ticket-triage-idempotency'),
  INPUT_QUEUE_URL: optionalString,
  OUTPUT_QUEUE_URL: optionalString,
  /** Messages that can never succeed, and failed classifications, each with its reason. */
  REJECTED_QUEUE_URL: optionalString,
  CLASSIFY_STATE_MACHINE_ARN: optionalString,
  RETRAIN_STATE_MACHINE_ARN: optionalString,
  /**
   * The precision a model's automatic routes aim for: training (and every
   * retraining) fits the probability threshold that reaches it on rows the
   * model was not fitted on, and stores it in the model. The same default as
   * the model core's `DEFAULT_TARGET_PRECISION` (a unit test holds them equal;
   * this file stays free of model code).
   */
  TARGET_PRECISION: z._default(z.coerce.number().check(z.gt(0), z.lte(1)), 0.95),
  /**
   * Type of the classify-ticket state machine. EXPRESS runs executions and
   * steps at least once and does not de-duplicate execution names, so the
   * handlers keep the one-outcome-per-ticket guarantee themselves: the first
   * message of a ticket claims it (start-classification) and only the first
   * outcome of a ticket gets out (publish-result, record-failure), both with
   * Powertools idempotency records in IDEMPOTENCY_TABLE.
   */
  CLASSIFY_WORKFLOW_TYPE: z._default(z.enum(['STANDARD', 'EXPRESS']), 'STANDARD'),
  /** How many categories the output message lists. */
  TOP_K: number(3, 1, 50),
  /** How many deciding n-grams are recorded for the review page. */
  EXPLAIN_TERMS: number(8, 0, 100),
  /**
   * Ticket text beyond this many characters is cut (and the result flagged
   * `truncated`); the message contract's byte budget (5.5 KiB, ticket-message.ts)
   * cuts first unless this is set lower.
   */
  MAX_TICKET_CHARS: number(20_000, 100, 200_000),
  /** A message whose text is longer than this is rejected rather than cut. */
  REJECT_TICKET_CHARS: number(200_000, 1_000, 10_000_000),
  /** How long a warm PinModelVersion step trusts the pointer it read (0 = read it every time). */
  POINTER_CACHE_SECONDS: number(2, 0, 300),
  LOG_LEVEL: z._default(z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT']), 'INFO'),
  /**
   * How the review API knows its callers: `jwt` (on AWS, and locally with
   * `triage start --auth oidc`): every request carries the claims of a JWT
   * authorizer and the caller's groups decide what it may do (src/api/roles.ts);
   * `none` (the local stack without sign-in): everyone may do everything.
   */
  REVIEW_API_AUTH: z._default(z.enum(['none', 'jwt']), 'none'),

  // ---- retraining (workflows/retrain-model.asl.json) ----
  /**
   * When the local runtime starts a retraining: an EventBridge expression
   * (`rate(1 day)`, `cron(0 3 * * ? *)`, UTC) or `off`. On AWS the CDK
   * schedule (context `retrainSchedule`) plays this part.
   */
  RETRAIN_SCHEDULE: z._default(
    z.string().check(z.trim(), z.regex(/^(off|rate\(.+\)|cron\(.+\))$/i, 'must be rate(...), cron(...) or off')),
    'cron(0 3 * * ? *)',
  ),
  /** A retraining runs only when at least this many feedback items are new since the last evaluated candidate. */
  MIN_NEW_FEEDBACK: number(20, 1, 1_000_000),
  /**
   * Share of feedback (chosen by a hash of the ticket id, so always the same
   * tickets) kept out of training and used, with the base holdout, to judge candidates.
   */
  FEEDBACK_HOLDOUT_SHARE: number(0.2, 0, 0.9),
  /** The gate: a candidate is promoted when its accuracy >= the model in service's minus this ... */
  ACCURACY_TOLERANCE: number(0, 0, 1),
  /** ... and its macro-F1 >= the model in service's minus this ... */
  MACRO_F1_TOLERANCE: number(0.01, 0, 1),
  /**
   * ... and its coverage at the target precision (share of holdout tickets
   * routed automatically while right at least TARGET_PRECISION of the time,
   * each model with its own routing policy) >= the model in service's minus
   * this. Equally good models differ by up to ~2 points (`npm run bench:gate`).
   */
  COVERAGE_TOLERANCE: number(0.03, 0, 1),
  /**
   * Profile of retrained models (reference, naive-bayes-tuned, linear-svm); default: the profile of
   * the model in service. Checked by the Retrain step, so that config stays free of model code
   * (every Lambda bundle imports this file).
   */
  RETRAIN_PROFILE: optionalString,
  /**
   * At most this many training rows in a retraining: the base training set,
   * then the most recent feedback (the oldest is left out). The default keeps
   * the Retrain step inside its Lambda (10,240 MB, 15 minutes) with room: 6.0 GB
   * and 267 CPU-seconds at 1M rows, about 7.5 GB at 1.25M (docs/benchmarks.md,
   * `npm run bench:scale`).
   */
  RETRAIN_MAX_ROWS: number(1_250_000, 1_000, 100_000_000),
});

export type Config = z.infer<typeof configSchema>;

/** Settings that are no longer read, and what to do instead: set, they are refused rather than silently ignored. */
export const RETIRED_SETTINGS: Readonly<Record<string, string>> = {
  NEEDS_REVIEW_THRESHOLD:
    'each model now routes at the threshold fitted at training for TARGET_PRECISION (default 0.95), and models trained before routing was added route at the old fixed 0.6; unset NEEDS_REVIEW_THRESHOLD (set TARGET_PRECISION to choose the precision of automatic routes)',
};

let cached: Config | undefined;

export function parseConfig(env: Record<string, string | undefined>): Config {
  for (const [name, instead] of Object.entries(RETIRED_SETTINGS)) {
    if (env[name] !== undefined && env[name] !== '')
      throw new ConfigError(`setting ${name} is no longer read: ${instead}`);
  }
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`setting ${issue.path.join('.')} is invalid: ${issue.message}`);
  }
  return parsed.data;
}

/** The configuration of this process (read once; `resetConfig` after changing the environment). */
export function config(): Config {
  cached ??= parseConfig(process.env);
  return cached;
}

export function resetConfig(): void {
  cached = undefined;
}

/**
 * One setting from `env`, checked as the loader checks it; undefined when it
 * is not set (for code that has a fallback of its own, such as a model's own
 * target precision). Refuses a bad value with the setting's name.
 */
export function settingIfSet<K extends keyof Config>(
  key: K,
  env: Record<string, string | undefined> = process.env,
): Config[K] | undefined {
  const value = env[key];
  if (value === undefined || value === '') return undefined;
  const parsed = configSchema.shape[key].safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`setting ${String(key)} is invalid: "${value}": ${issue.message}`);
  }
  return parsed.data as Config[K];
}

/** One setting from `env`, checked as the loader checks it, or its default when unset. */
export function setting<K extends keyof Config>(
  key: K,
  env: Record<string, string | undefined> = process.env,
): Config[K] {
  return settingIfSet(key, env) ?? (configSchema.shape[key].parse(undefined) as Config[K]);
}

/** A setting this code path cannot do without. */
export function required<K extends keyof Config>(key: K, from: Config = config()): NonNullable<Config[K]> {
  const value = from[key];
  if (value === undefined) throw new ConfigError(`environment variable ${String(key)} is not set`);
  return value as NonNullable<Config[K]>;
}
