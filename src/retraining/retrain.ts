import { createHash } from 'node:crypto';
import { packageModel, type ModelManifest } from '../model/artifact.ts';
import { DEFAULT_PROFILE, PROFILES, isProfileName, type ProfileName } from '../model/profiles.ts';
import { trainModel } from '../model/train.ts';
import { ModelVersionExistsError, type ModelRegistry } from '../model-store/registry.ts';
import type { S3ModelStore } from '../model-store/s3-model-store.ts';
import { BASE_DATASET_KEYS, readBaseMeta, readJsonLinesObject } from '../data/base-dataset.ts';
import { readSnapshot } from './snapshot.ts';

export interface RetrainInput {
  readonly executionName: string;
  readonly snapshotKey: string;
  /** The latest feedback time in the snapshot. */
  readonly watermark: string | null;
  /** Profile of the candidate; default: the profile of the model in service. */
  readonly profile?: ProfileName;
  /**
   * The precision the candidate's automatic routes aim for (`TARGET_PRECISION`):
   * its threshold is fitted for it on validation rows it was not fitted on.
   * Default: the model core's.
   */
  readonly targetPrecision?: number;
}

/** What `Retrain` passes on. */
export interface CandidateSummary {
  readonly version: string;
  readonly profile: ProfileName;
  readonly trainingRows: number;
  readonly baseRows: number;
  readonly feedbackRows: number;
  /** The model in service when the candidate was trained (null: none). */
  readonly parentVersion: string | null;
  /** Its routing policy, fitted at training: the target, the threshold, and what it achieved on the validation rows. */
  readonly routing: {
    readonly targetPrecision: number;
    readonly threshold: number;
    readonly validationCoverage: number;
    readonly validationPrecision: number;
  };
}

/** A short tag of the execution, so two runs on the same data never make the same version. */
export const executionTag = (executionName: string): string =>
  createHash('sha256').update(executionName).digest('hex').slice(0, 6);

/**
 * Trains a candidate on the base training set plus the `train` rows of the
 * feedback snapshot, writes it to S3 as a new immutable version and registers
 * it as a `candidate` with its lineage (base dataset checksum, feedback count,
 * watermark and snapshot, parent version, profile and parameters).
 */
export async function trainCandidate(
  deps: { store: S3ModelStore; registry: ModelRegistry },
  input: RetrainInput,
): Promise<CandidateSummary> {
  const { store, registry } = deps;
  const [meta, base, snapshot, pointer] = await Promise.all([
    readBaseMeta(store),
    readJsonLinesObject(store, BASE_DATASET_KEYS.train, 'the base training set'),
    readSnapshot(store, input.snapshotKey),
    registry.inService(),
  ]);
  let parent: ModelManifest | undefined;
  if (pointer) parent = await store.manifest(pointer.modelVersion);
  const profile: ProfileName =
    input.profile ?? (parent && isProfileName(parent.profile) ? parent.profile : DEFAULT_PROFILE);
  const feedback = snapshot.filter((r) => r.split === 'train');
  const rows = [...base, ...feedback.map((r) => ({ text: r.text, label: r.label }))];

  const trained = await trainModel({
    texts: rows.map((r) => r.text),
    labels: rows.map((r) => r.label),
    profile: PROFILES[profile],
    ...(input.targetPrecision !== undefined && { targetPrecision: input.targetPrecision }),
  });
  const lineage = {
    dataset: { sha256: meta.sha256, rows: base.length, source: meta.source },
    feedback: {
      count: feedback.length,
      ...(input.watermark && { watermark: input.watermark }),
      snapshotKey: input.snapshotKey,
    },
    ...(pointer && { parentVersion: pointer.modelVersion }),
  };
  const draft = packageModel(trained, { lineage });
  const model = packageModel(trained, {
    lineage,
    version: `${draft.manifest.version}-${executionTag(input.executionName)}`,
    createdAt: new Date(draft.manifest.createdAt),
  });
  const { version } = model.manifest;
  await store.put(model);
  try {
    await registry.registerNew({
      version,
      profile,
      createdAt: model.manifest.createdAt,
      status: 'candidate',
      datasetSha256: meta.sha256,
      trainingRows: rows.length,
      feedbackCount: feedback.length,
      ...(input.watermark && { feedbackWatermark: input.watermark }),
      feedbackSnapshotKey: input.snapshotKey,
      ...(pointer && { parentVersion: pointer.modelVersion }),
      retrainExecution: input.executionName,
    });
  } catch (error) {
    // The same step retried after registering: the record is this run's own.
    if (
      !(error instanceof ModelVersionExistsError) ||
      (await registry.get(version))?.retrainExecution !== input.executionName
    )
      throw error;
  }
  return {
    version,
    profile,
    trainingRows: rows.length,
    baseRows: base.length,
    feedbackRows: feedback.length,
    parentVersion: pointer?.modelVersion ?? null,
    routing: {
      targetPrecision: trained.routing.targetPrecision,
      threshold: trained.routing.threshold,
      validationCoverage: trained.routing.fitted.coverage,
      validationPrecision: trained.routing.fitted.precision,
    },
  };
}
