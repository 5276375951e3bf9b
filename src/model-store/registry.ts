import { isAwsError } from '../aws/errors.ts';
import { setFields } from '../aws/set-fields.ts';
import { GetCommand, PutCommand, ScanCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { TriageError } from '../errors.ts';

/** The key of the one item that names the model version in service. */
export const IN_SERVICE_KEY = '@in-service';

/**
 * `candidate`: trained, not judged yet; `promoted`: passed the gate (or was put
 * in service by hand); `rejected`: judged and not promoted (the reason says
 * why: the gate, superseded, rolled back); `failed`: its retraining broke
 * before a decision (the model in service was not touched).
 */
export type ModelStatus = 'candidate' | 'promoted' | 'rejected' | 'failed';

/** The figures of the model a candidate was compared with. */
export interface ComparedWith {
  readonly version: string | null;
  readonly accuracy: number | null;
  readonly macroF1: number | null;
  /** Its coverage on the same holdout (under its policy, re-fitted for the candidate's target when they differed). */
  readonly coverage?: number | null;
  /** Its coverage at the target precision on the same holdout (what the gate compared). */
  readonly coverageAtTarget?: number | null;
  readonly autoPrecision?: number | null;
  /** The target precision it was judged at (null: no routing policy). */
  readonly targetPrecision?: number | null;
}

/** One model version as the registry knows it (the artifact itself is in S3). */
export interface ModelRecord {
  readonly version: string;
  readonly profile: string;
  readonly createdAt: string;
  readonly status: ModelStatus;
  /** Why it was promoted or rejected. */
  readonly statusReason?: string;
  readonly statusAt?: string;
  readonly accuracy?: number;
  readonly macroF1?: number;
  /** Share of the holdout routed automatically (not to review) under its routing policy. */
  readonly coverage?: number;
  /** Precision of those automatic routes. */
  readonly autoPrecision?: number;
  /** Share routed automatically while right at least `targetPrecision` of the time (what the gate compares). */
  readonly coverageAtTarget?: number;
  /** Expected calibration error of its probabilities (15 bins). */
  readonly ece?: number;
  /** The precision its routing policy aims for (absent: no routing policy, the old fixed 0.6 threshold). */
  readonly targetPrecision?: number;
  /** S3 key of the full evaluation (per-class metrics, confusion matrix). */
  readonly evaluationKey?: string;
  readonly feedbackCount?: number;
  readonly feedbackWatermark?: string;
  readonly datasetSha256?: string;
  readonly trainingRows?: number;
  /** S3 key of the feedback snapshot it was trained on. */
  readonly feedbackSnapshotKey?: string;
  /** The model in service when it was trained. */
  readonly parentVersion?: string;
  /** Name of the retrain-model execution that made it. */
  readonly retrainExecution?: string;
  /** The model in service it was evaluated against, and that model's figures on the same holdout. */
  readonly comparedWith?: ComparedWith;
}

/** A version is registered already (versions are immutable). */
export class ModelVersionExistsError extends TriageError {
  override readonly name = 'ModelVersionExistsError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'Internal', options);
  }
}

export interface PointerChange {
  readonly modelVersion: string;
  readonly previousVersion?: string;
  readonly at: string;
  readonly reason: string;
}

/** The pointer to the version in service, with its history. */
export interface InServicePointer {
  readonly modelVersion: string;
  /** Bumped on every move: a conditional update on it is what makes promotion race-free. */
  readonly revision: number;
  readonly previousVersion?: string;
  readonly promotedAt: string;
  readonly reason: string;
  readonly history: readonly PointerChange[];
}

/** The model in service changed between reading the pointer and moving it. */
export class PointerConflictError extends TriageError {
  override readonly name = 'PointerConflictError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'Internal', options);
  }
}

export class UnknownModelVersionError extends TriageError {
  override readonly name = 'UnknownModelVersionError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'NotFound', options);
  }
}

const HISTORY_CAP = 50;

/**
 * The model registry in DynamoDB. The pointer to the version in service lives
 * here (not as an S3 object) because moving it must be a conditional write
 * ("only if the version in service is still X"), which DynamoDB does
 * atomically both on AWS and in the local server.
 */
export class ModelRegistry {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    readonly table: string,
  ) {}

  async register(record: ModelRecord): Promise<void> {
    await this.documents.send(new PutCommand({ TableName: this.table, Item: record }));
  }

  /** Registers a new version; refuses to overwrite one ({@link ModelVersionExistsError}). */
  async registerNew(record: ModelRecord): Promise<void> {
    try {
      await this.documents.send(
        new PutCommand({ TableName: this.table, Item: record, ConditionExpression: 'attribute_not_exists(version)' }),
      );
    } catch (error) {
      if (isAwsError(error, 'ConditionalCheckFailedException'))
        throw new ModelVersionExistsError(`model version ${record.version} is registered already`);
      throw error;
    }
  }

  async get(version: string): Promise<ModelRecord | undefined> {
    const { Item } = await this.documents.send(
      new GetCommand({ TableName: this.table, Key: { version }, ConsistentRead: true }),
    );
    return Item as ModelRecord | undefined;
  }

  /** Every version, newest first. */
  async list(): Promise<ModelRecord[]> {
    const items: ModelRecord[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.documents.send(
        new ScanCommand({ TableName: this.table, ExclusiveStartKey: start, ConsistentRead: true }),
      );
      for (const item of page.Items ?? []) if (item.version !== IN_SERVICE_KEY) items.push(item as ModelRecord);
      start = page.LastEvaluatedKey;
    } while (start);
    return items.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  async setStatus(
    version: string,
    status: ModelStatus,
    reason: string,
    extra: Partial<ModelRecord> = {},
  ): Promise<void> {
    try {
      await this.documents.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { version },
          ...setFields({ ...extra, status, statusReason: reason, statusAt: new Date().toISOString() }),
          ConditionExpression: 'attribute_exists(version)',
        }),
      );
    } catch (error) {
      if (isAwsError(error, 'ConditionalCheckFailedException'))
        throw new UnknownModelVersionError(`model version ${version} is not in the registry`);
      throw error;
    }
  }

  async inService(): Promise<InServicePointer | undefined> {
    const { Item } = await this.documents.send(
      new GetCommand({ TableName: this.table, Key: { version: IN_SERVICE_KEY }, ConsistentRead: true }),
    );
    return Item as InServicePointer | undefined;
  }

  /**
   * Points the service at `version`, only if the version in service is still
   * `expected` (`undefined` = no model in service yet). Throws
   * {@link PointerConflictError} otherwise: a concurrent promotion or rollback won.
   */
  async movePointer(version: string, expected: string | undefined, reason: string): Promise<InServicePointer> {
    if (!(await this.get(version)))
      throw new UnknownModelVersionError(`model version ${version} is not in the registry`);
    const current = await this.inService();
    if ((current?.modelVersion ?? undefined) !== expected) {
      throw new PointerConflictError(
        `the model in service is ${current?.modelVersion ?? 'none'}, not ${expected ?? 'none'}`,
      );
    }
    const at = new Date().toISOString();
    const change: PointerChange = { modelVersion: version, ...(expected && { previousVersion: expected }), at, reason };
    const next: InServicePointer = {
      modelVersion: version,
      revision: (current?.revision ?? 0) + 1,
      ...(expected && { previousVersion: expected }),
      promotedAt: at,
      reason,
      history: [change, ...(current?.history ?? [])].slice(0, HISTORY_CAP),
    };
    try {
      await this.documents.send(
        new PutCommand({
          TableName: this.table,
          Item: { version: IN_SERVICE_KEY, ...next },
          ...(current
            ? {
                ConditionExpression: 'modelVersion = :expected AND revision = :revision',
                ExpressionAttributeValues: { ':expected': expected, ':revision': current.revision },
              }
            : { ConditionExpression: 'attribute_not_exists(version)' }),
        }),
      );
    } catch (error) {
      if (isAwsError(error, 'ConditionalCheckFailedException'))
        throw new PointerConflictError(`the model in service changed while moving it to ${version}`);
      throw error;
    }
    return next;
  }
}
