import { createHash } from 'node:crypto';
import { packageModel, type ModelManifest } from '../model/artifact.ts';
import { DEFAULT_PROFILE, PROFILES, isProfileName, type ProfileName } from '../model/profiles.ts';
import { trainModel } from '../model/train.ts';
import { ModelVersionExistsError, type ModelRegistry } from '../model-store/registry.ts';
import type { S3ModelStore } from '../model-store/s3-model-store.ts';
import { BASE_DATASET_KEYS, readBaseMeta, readJsonLinesObject } from '../data/base-dataset.ts';
import { readSnapshot } from './snapshot.ts';
import { withTrainingSolver } from '../training/solver.ts';

export interface RetrainInput {
  readonly executionName: string;
  readonly snapshotKey: string;
  /** The latest feedback time in the snapshot. */
  readonly watermark: string | null;
  /** Profile of the candidate; default: the profile of the model in service. */
  readonly profile?: ProfileName;
  /** At most this many training rows: the base training set, then the most recent feedback (`RETRAIN_MAX_ROWS`). */
  readonly maxRows?: number;
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
  /** Feedback rows left out for `maxRows` (the oldest). */
  readonly droppedFeedbackRows: number;
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

/**
 * At most `room` feedback rows: the most recent (by feedback time, then
 * ticket id), in their snapshot order. What a retraining on more rows than
 * fit in its Lambda keeps (`RETRAIN_MAX_ROWS`): the newest corrections say
 * most about the tickets that come now.
 */
export function newestFeedback<T extends { readonly feedbackAt: string; readonly ticketId: string }>(
  rows: readonly T[],
  room: number,
): { feedback: T[]; dropped: number } {
  if (rows.length <= room) return { feedback: [...rows], dropped: 0 };
  const order = rows
    .map((_, i) => i)
    .sort((a, b) => {
      const x = rows[a]!;
      const y = rows[b]!;
      return x.feedbackAt !== y.feedbackAt
        ? x.feedbackAt < y.feedbackAt
          ? 1
          : -1
        : x.ticketId < y.ticketId
          ? 1
          : x.ticketId > y.ticketId
            ? -1
            : 0;
    });
  const kept = new Uint8Array(rows.length);
  for (let k = 0; k < room; k++) kept[order[k]!] = 1;
  return { feedback: rows.filter((_, i) => kept[i] === 1), dropped: rows.length - room };
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
  deps: {
    store: Pick<S3ModelStore, 'getObject' | 'manifest' | 'put'>;
    registry: Pick<ModelRegistry, 'inService' | 'registerNew' | 'get'>;
    /** Solver threads (default: one per CPU; see `withTrainingSolver`). */
    threads?: number;
  },
  input: RetrainInput,
): Promise<CandidateSummary> {
  const { store, registry } = deps;
  const [meta, base, snapshot, pointer] = await Promise.all([
    readBaseMeta(store),
    readJsonLinesObject(store, BASE_DATASET_KEYS.train, 'the base training set'),
    readSnapshot(store, input.snapshotKey, 'train'),
    registry.inService(),
  ]);
  let parent: ModelManifest | undefined;
  if (pointer) parent = await store.manifest(pointer.modelVersion);
  const profile: ProfileName =
    input.profile ?? (parent && isProfileName(parent.profile) ? parent.profile : DEFAULT_PROFILE);
  const { feedback, dropped } = newestFeedback(
    snapshot.filter((r) => r.split === 'train'),
    Math.max(0, (input.maxRows ?? Infinity) - base.length),
  );
  const rows = [
    ...base.slice(0, input.maxRows ?? base.length),
    ...feedback.map((r) => ({ text: r.text, label: r.label })),
  ];

  const trained = await withTrainingSolver(
    rows.length,
    (solver) =>
      trainModel({
        texts: rows.map((r) => r.text),
        labels: rows.map((r) => r.label),
        profile: PROFILES[profile],
        ...(input.targetPrecision !== undefined && { targetPrecision: input.targetPrecision }),
        ...(solver && { solver }),
      }),
    deps.threads === undefined ? {} : { threads: deps.threads },
  );
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
    baseRows: Math.min(base.length, input.maxRows ?? base.length),
    feedbackRows: feedback.length,
    droppedFeedbackRows: dropped,
    parentVersion: pointer?.modelVersion ?? null,
    routing: {
      targetPrecision: trained.routing.targetPrecision,
      threshold: trained.routing.threshold,
      validationCoverage: trained.routing.fitted.coverage,
      validationPrecision: trained.routing.fitted.precision,
    },
  };
}
