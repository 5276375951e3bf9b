import type { ModelManifest } from '../model/artifact.ts';
import type { Metrics } from '../model/metrics.ts';
import {
  PointerConflictError,
  UnknownModelVersionError,
  type InServicePointer,
  type ModelRecord,
  type ModelRegistry,
} from '../model-store/registry.ts';
import type { S3ModelStore } from '../model-store/s3-model-store.ts';
import { loadStoredClassifier, readEvaluation, type EvaluationReport } from '../retraining/evaluate.ts';
import { TriageError } from '../errors.ts';

/**
 * The model registry as people read it (CLI `triage models`, the API), and
 * the two things people do to it by hand: promote a version, roll back.
 */
export interface ModelView extends ModelRecord {
  readonly inService: boolean;
}

export interface ModelDetail extends ModelView {
  /** What the artifact says about itself (null when it cannot be read). */
  readonly manifest: Pick<
    ModelManifest,
    'parameters' | 'labels' | 'lineage' | 'trainingRows' | 'numFeatures' | 'preprocess' | 'createdAt' | 'profile'
  > | null;
  readonly manifestError?: string;
  /** The model's own figures: from its evaluation when it was retrained, else from its manifest (bootstrap holdout). */
  readonly metrics: Metrics | null;
  /** The full evaluation against the model that was in service (retrained versions only). */
  readonly evaluation: EvaluationReport | null;
  /** When it was put in service or taken out, from the pointer's history. */
  readonly serviceHistory: readonly {
    readonly at: string;
    readonly event: 'put in service' | 'taken out of service';
    readonly reason: string;
    readonly other?: string;
  }[];
}

export async function listModels(
  registry: Pick<ModelRegistry, 'inService' | 'list'>,
): Promise<{ inService: InServicePointer | null; models: ModelView[] }> {
  const [pointer, records] = await Promise.all([registry.inService(), registry.list()]);
  return {
    inService: pointer ?? null,
    models: records.map((r) => ({ ...r, inService: r.version === pointer?.modelVersion })),
  };
}

export async function describeModel(
  deps: { registry: Pick<ModelRegistry, 'get' | 'inService'>; store: Pick<S3ModelStore, 'manifest' | 'getObject'> },
  version: string,
): Promise<ModelDetail> {
  const [record, pointer] = await Promise.all([deps.registry.get(version), deps.registry.inService()]);
  if (!record) throw new UnknownModelVersionError(`there is no model version "${version}" in the registry`);
  let manifest: ModelManifest | undefined;
  let manifestError: string | undefined;
  try {
    manifest = await deps.store.manifest(version);
  } catch (error) {
    manifestError = (error as Error).message;
  }
  let evaluation: EvaluationReport | null = null;
  if (record.evaluationKey) evaluation = await readEvaluation(deps.store, record.evaluationKey).catch(() => null);
  const serviceHistory: ModelDetail['serviceHistory'][number][] = [];
  for (const change of pointer?.history ?? []) {
    if (change.modelVersion === version)
      serviceHistory.push({
        at: change.at,
        event: 'put in service',
        reason: change.reason,
        ...(change.previousVersion && { other: change.previousVersion }),
      });
    else if (change.previousVersion === version)
      serviceHistory.push({
        at: change.at,
        event: 'taken out of service',
        reason: change.reason,
        other: change.modelVersion,
      });
  }
  return {
    ...record,
    inService: pointer?.modelVersion === version,
    manifest: manifest
      ? {
          profile: manifest.profile,
          createdAt: manifest.createdAt,
          parameters: manifest.parameters,
          labels: manifest.labels,
          lineage: manifest.lineage,
          trainingRows: manifest.trainingRows,
          numFeatures: manifest.numFeatures,
          preprocess: manifest.preprocess,
        }
      : null,
    ...(manifestError && { manifestError }),
    metrics: evaluation?.candidate ?? manifest?.metrics ?? null,
    evaluation,
    serviceHistory,
  };
}

export class ModelOperationError extends TriageError {
  override readonly name = 'ModelOperationError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'InvalidInput', options);
  }
}

const byWhom = (by: string | undefined) => (by ? ` by ${by}` : '');

/**
 * Puts a version in service by hand (bypassing the gate: a person's
 * decision, recorded as such). Its artifact is loaded first, so a broken
 * version never goes in service.
 */
export async function promoteByHand(
  deps: { registry: ModelRegistry; store: S3ModelStore },
  version: string,
  options: { by?: string } = {},
): Promise<{ version: string; previousVersion: string | null }> {
  const record = await deps.registry.get(version);
  if (!record) throw new UnknownModelVersionError(`there is no model version "${version}" in the registry`);
  const pointer = await deps.registry.inService();
  if (pointer?.modelVersion === version) throw new ModelOperationError(`model ${version} is already in service`);
  try {
    await loadStoredClassifier(deps.store, version);
  } catch (error) {
    throw new ModelOperationError(
      `model ${version} cannot be put in service: its artifact does not load (${(error as Error).message})`,
    );
  }
  const reason = `promoted by hand${byWhom(options.by)}`;
  try {
    await deps.registry.movePointer(version, pointer?.modelVersion, reason);
  } catch (error) {
    if (error instanceof PointerConflictError)
      throw new ModelOperationError(
        `the model in service changed meanwhile (${error.message}); nothing was changed, try again`,
      );
    throw error;
  }
  await deps.registry.setStatus(version, 'promoted', `${reason} (replacing ${pointer?.modelVersion ?? 'none'})`);
  return { version, previousVersion: pointer?.modelVersion ?? null };
}

/**
 * Puts back the model that was in service before the current one (the most
 * recent earlier version of the pointer's history that is still `promoted`).
 * The version taken out is recorded as rejected ("rolled back").
 */
export async function rollback(
  deps: { registry: ModelRegistry; store: S3ModelStore },
  options: { by?: string } = {},
): Promise<{ version: string; previousVersion: string }> {
  const pointer = await deps.registry.inService();
  if (!pointer) throw new ModelOperationError('no model is in service: there is nothing to roll back');
  const current = pointer.modelVersion;
  let target: ModelRecord | undefined;
  for (const change of pointer.history) {
    if (!change.previousVersion || change.previousVersion === current) continue;
    const record = await deps.registry.get(change.previousVersion);
    if (record?.status === 'promoted') {
      target = record;
      break;
    }
  }
  if (!target)
    throw new ModelOperationError(
      `there is no earlier model to roll back to (${current} is the only one that was in service)`,
    );
  const reason = `rolled back${byWhom(options.by)} from ${current}`;
  try {
    await deps.registry.movePointer(target.version, current, reason);
  } catch (error) {
    if (error instanceof PointerConflictError)
      throw new ModelOperationError(
        `the model in service changed meanwhile (${error.message}); nothing was changed, try again`,
      );
    throw error;
  }
  const currentRecord = await deps.registry.get(current);
  await deps.registry.setStatus(
    current,
    'rejected',
    `rolled back${byWhom(options.by)} to ${target.version} on ${new Date().toISOString()}${currentRecord?.statusReason ? ` (was: ${currentRecord.statusReason})` : ''}`,
  );
  return { version: target.version, previousVersion: current };
}
