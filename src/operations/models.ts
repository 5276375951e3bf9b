import { ArtifactFormatError, type ModelManifest } from '../model/artifact.ts';
import type { Evaluation } from '../model/evaluation.ts';
import type { Metrics } from '../model/metrics.ts';
import {
  PointerConflictError,
  UnknownModelVersionError,
  type InServicePointer,
  type ModelRecord,
  type ModelRegistry,
} from '../model-store/registry.ts';
import { ModelNotFoundError, type S3ModelStore } from '../model-store/s3-model-store.ts';
import { loadStoredClassifier, readEvaluation, type EvaluationReport } from '../retraining/evaluate.ts';
import { TriageError } from '../errors.ts';

/**
 * The model registry as people read it (CLI `triage models`, the API), and
 * the two things people do to it by hand: promote a version, roll back.
 */
export interface ModelView extends ModelRecord {
  readonly inService: boolean;
}

/** A model's figures on labelled tickets; `routing` and `ece` are absent from figures measured before routing was added. */
export type ModelMetrics = Metrics & Partial<Pick<Evaluation, 'routing' | 'ece'>>;

export interface ModelDetail extends ModelView {
  /** What the artifact says about itself (null when it cannot be read). */
  readonly manifest: Pick<
    ModelManifest,
    'parameters' | 'labels' | 'lineage' | 'trainingRows' | 'numFeatures' | 'preprocess' | 'createdAt' | 'profile'
  > | null;
  readonly manifestError?: string;
  /**
   * The model's own figures: from its evaluation when it was retrained, else
   * from its manifest (bootstrap holdout). With the coverage and precision of
   * its automatic routes and its ECE, unless it was measured before routing was added.
   */
  readonly metrics: ModelMetrics | null;
  /** Its routing policy: the target precision and the threshold fitted for it (null: none, the old fixed 0.6). */
  readonly routing: { readonly targetPrecision: number; readonly threshold: number } | null;
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
    routing: manifest?.routing
      ? { targetPrecision: manifest.routing.targetPrecision, threshold: manifest.routing.threshold }
      : null,
    evaluation,
    serviceHistory,
  };
}

/** Why a promotion or rollback by hand was refused; the code says how (and so the API's status, see src/errors.ts). */
export class ModelOperationError extends TriageError {
  override readonly name = 'ModelOperationError';
  declare readonly code: 'Conflict' | 'ModelNotServable';
  /**
   * `Conflict`: the registry is not in the state the decision was made on
   * (the version is in service already, the pointer moved meanwhile, nothing
   * to roll back to). `ModelNotServable`: the version itself cannot serve.
   */
  constructor(message: string, code: 'Conflict' | 'ModelNotServable', options?: ErrorOptions) {
    super(message, code, options);
  }
}

/** Who decided and why, as people give it (`by` from the token, or `--by`). */
export interface ManualDecision {
  readonly by?: string;
  /** Why, in the person's words; recorded with the pointer move and the version's status. */
  readonly reason?: string;
  /**
   * The version the person saw in service when they decided (the page sends
   * it): refused with a conflict if another model is in service by now.
   */
  readonly expectedInService?: string;
}

/** What moving the pointer by hand needs of the registry and the model bucket (the classes, or in-memory fakes). */
export interface ManualOperationDeps {
  readonly registry: Pick<ModelRegistry, 'get' | 'inService' | 'movePointer' | 'setStatus'>;
  readonly store: Pick<S3ModelStore, 'manifest' | 'part'>;
}

const byWhom = (by: string | undefined) => (by ? ` by ${by}` : '');
const because = (reason: string | undefined) => (reason?.trim() ? `: ${reason.trim()}` : '');

function checkExpected(pointer: InServicePointer | undefined, expected: string | undefined): void {
  if (expected !== undefined && pointer?.modelVersion !== expected)
    throw new ModelOperationError(
      `the model in service is ${pointer?.modelVersion ?? 'none'} by now, not ${expected}; nothing was changed (look at the registry again)`,
      'Conflict',
    );
}

async function movePointerOrConflict(
  registry: ManualOperationDeps['registry'],
  version: string,
  expected: string | undefined,
  reason: string,
): Promise<void> {
  try {
    await registry.movePointer(version, expected, reason);
  } catch (error) {
    if (error instanceof PointerConflictError)
      throw new ModelOperationError(
        `the model in service changed meanwhile (${error.message}); nothing was changed, try again`,
        'Conflict',
        { cause: error },
      );
    throw error;
  }
}

/**
 * Puts a version in service by hand (bypassing the gate: a person's
 * decision, recorded as such, with who and why). Refused: an unknown version
 * (404), the version in service (conflict), a version no retraining judged
 * (`candidate`: its run is still deciding; `failed`: its run broke before
 * judging it) and one whose artifact does not load (not servable). A
 * `rejected` version may be put in service: overruling the gate is what this
 * is for. The pointer moves only from the version read (a conditional write).
 */
export async function promoteByHand(
  deps: ManualOperationDeps,
  version: string,
  options: ManualDecision = {},
): Promise<{ version: string; previousVersion: string | null }> {
  const record = await deps.registry.get(version);
  if (!record) throw new UnknownModelVersionError(`there is no model version "${version}" in the registry`);
  const pointer = await deps.registry.inService();
  checkExpected(pointer, options.expectedInService);
  if (pointer?.modelVersion === version)
    throw new ModelOperationError(`model ${version} is already in service`, 'Conflict');
  if (record.status === 'candidate')
    throw new ModelOperationError(
      `model ${version} cannot be put in service: it is a candidate its retraining${record.retrainExecution ? ` (${record.retrainExecution})` : ''} has not judged yet`,
      'ModelNotServable',
    );
  if (record.status === 'failed')
    throw new ModelOperationError(
      `model ${version} cannot be put in service: its retraining failed before judging it (${record.statusReason ?? 'no reason recorded'})`,
      'ModelNotServable',
    );
  try {
    await loadStoredClassifier(deps.store, version);
  } catch (error) {
    if (!(error instanceof ModelNotFoundError || error instanceof ArtifactFormatError)) throw error;
    throw new ModelOperationError(
      `model ${version} cannot be put in service: its artifact does not load (${error.message})`,
      'ModelNotServable',
      { cause: error },
    );
  }
  const previous = pointer?.modelVersion;
  const reason = `promoted by hand${byWhom(options.by)}${because(options.reason)}`;
  await movePointerOrConflict(deps.registry, version, previous, reason);
  await deps.registry.setStatus(version, 'promoted', `${reason} (replacing ${previous ?? 'none'})`);
  return { version, previousVersion: previous ?? null };
}

/**
 * The version a rollback puts back: the most recent earlier version of the
 * pointer's history that is still `promoted` (a version rolled back is
 * `rejected`, so rolling back twice goes further back). Undefined when there
 * is none.
 */
export async function rollbackTarget(
  registry: Pick<ModelRegistry, 'get'>,
  pointer: InServicePointer,
): Promise<ModelRecord | undefined> {
  const current = pointer.modelVersion;
  const seen = new Set<string>([current]);
  for (const change of pointer.history) {
    if (!change.previousVersion || seen.has(change.previousVersion)) continue;
    seen.add(change.previousVersion);
    const record = await registry.get(change.previousVersion);
    if (record?.status === 'promoted') return record;
  }
  return undefined;
}

/**
 * Puts back the model that was in service before the current one
 * ({@link rollbackTarget}). The version taken out is recorded as rejected
 * ("rolled back", with who and why).
 */
export async function rollback(
  deps: Pick<ManualOperationDeps, 'registry'>,
  options: ManualDecision = {},
): Promise<{ version: string; previousVersion: string }> {
  const pointer = await deps.registry.inService();
  checkExpected(pointer, options.expectedInService);
  if (!pointer) throw new ModelOperationError('no model is in service: there is nothing to roll back', 'Conflict');
  const current = pointer.modelVersion;
  const target = await rollbackTarget(deps.registry, pointer);
  if (!target)
    throw new ModelOperationError(
      `there is no earlier model to roll back to (${current} is the only one that was in service)`,
      'Conflict',
    );
  const reason = `rolled back${byWhom(options.by)} from ${current}${because(options.reason)}`;
  await movePointerOrConflict(deps.registry, target.version, current, reason);
  const currentRecord = await deps.registry.get(current);
  await deps.registry.setStatus(
    current,
    'rejected',
    `rolled back${byWhom(options.by)} to ${target.version} on ${new Date().toISOString()}${because(options.reason)}${currentRecord?.statusReason ? ` (was: ${currentRecord.statusReason})` : ''}`,
  );
  return { version: target.version, previousVersion: current };
}
