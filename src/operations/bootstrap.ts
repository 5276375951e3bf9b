import { packageModel, type PackagedModel } from '../model/artifact.ts';
import { evaluatePredictions, type Evaluation } from '../model/evaluation.ts';
import { PROFILES, type ProfileName } from '../model/profiles.ts';
import { loadTicketClassifier } from '../model/ticket-classifier.ts';
import { stratifiedHoldout, trainModel, compareCodePoints, type TrainingProgress } from '../model/train.ts';
import type { ModelRegistry } from '../model-store/registry.ts';
import { MODEL_FILES } from '../model/artifact.ts';
import type { S3ModelStore } from '../model-store/s3-model-store.ts';
import { BASE_DATASET_KEYS, toJsonLines, type BaseDatasetMeta, type LabelledExample } from '../data/base-dataset.ts';
import { withTrainingSolver } from '../training/solver.ts';

export interface BootstrapOptions {
  readonly texts: readonly string[];
  readonly labels: readonly string[];
  readonly sha256: string;
  readonly source: string;
  readonly profile: ProfileName;
  /** The precision its automatic routes aim for (TARGET_PRECISION; default: the model core's). */
  readonly targetPrecision?: number;
  /** Share of rows kept out of training to judge this and later models (default 0.2). */
  readonly holdoutShare?: number;
  readonly onProgress?: (progress: TrainingProgress) => void;
}

export interface BootstrapResult {
  readonly model: PackagedModel;
  /** Its figures on the holdout: accuracy, per category, confusion, coverage and precision of the automatic routes, ECE. */
  readonly holdoutMetrics: Evaluation;
  readonly previousVersion?: string;
}

/**
 * Replaces the base dataset and puts a model trained on it in service:
 * split off a holdout (stratified, seeded), train on the rest, measure on the
 * holdout, upload dataset + model, register it and move the pointer. Used by
 * the first `npm start` (demo tickets) and `triage bootstrap --data`.
 */
export async function bootstrapModel(
  store: S3ModelStore,
  registry: ModelRegistry,
  options: BootstrapOptions,
): Promise<BootstrapResult> {
  const labels = [...new Set(options.labels)].sort(compareCodePoints);
  const index = new Map(labels.map((l, i) => [l, i]));
  const y = Int32Array.from(options.labels, (l) => index.get(l)!);
  const { train, holdout } = stratifiedHoldout(y, labels.length, options.holdoutShare ?? 0.2, 7);
  const pick = (rows: Int32Array): LabelledExample[] =>
    Array.from(rows, (i) => ({ text: options.texts[i]!, label: options.labels[i]! }));
  const trainRows = pick(train);
  const holdoutRows = pick(holdout);

  const trained = await withTrainingSolver(trainRows.length, (solver) =>
    trainModel({
      texts: trainRows.map((r) => r.text),
      labels: trainRows.map((r) => r.label),
      profile: PROFILES[options.profile],
      ...(options.targetPrecision !== undefined && { targetPrecision: options.targetPrecision }),
      ...(options.onProgress && { onProgress: options.onProgress }),
      ...(solver && { solver }),
    }),
  );
  const draft = packageModel(trained, {
    lineage: { dataset: { sha256: options.sha256, rows: trainRows.length, source: options.source } },
  });
  const classifier = await loadTicketClassifier(draft.manifest, {
    vectorizer: draft.files[MODEL_FILES.vectorizer]!,
    classifier: draft.files[MODEL_FILES.classifier]!,
  });
  const holdoutMetrics = evaluatePredictions(
    holdoutRows.map((r) => {
      const c = classifier.classify(r.text, { topK: 1 });
      return {
        actual: r.label,
        category: c.category,
        probability: c.probability,
        route: c.route,
        ...(c.reason && { reason: c.reason }),
      };
    }),
    { labels: draft.manifest.labels },
  );
  const model = packageModel(trained, {
    lineage: draft.manifest.lineage,
    version: draft.manifest.version,
    createdAt: new Date(draft.manifest.createdAt),
    metrics: holdoutMetrics,
  });

  const meta: BaseDatasetMeta = {
    sha256: options.sha256,
    source: options.source,
    trainRows: trainRows.length,
    holdoutRows: holdoutRows.length,
    labels,
    createdAt: new Date().toISOString(),
  };
  await store.putObject(BASE_DATASET_KEYS.train, toJsonLines(trainRows), 'application/x-ndjson');
  await store.putObject(BASE_DATASET_KEYS.holdout, toJsonLines(holdoutRows), 'application/x-ndjson');
  await store.putObject(BASE_DATASET_KEYS.meta, JSON.stringify(meta, null, 2), 'application/json');
  await store.put(model);
  await registry.register({
    version: model.manifest.version,
    profile: model.manifest.profile,
    createdAt: model.manifest.createdAt,
    status: 'candidate',
    accuracy: holdoutMetrics.accuracy,
    macroF1: holdoutMetrics.macroF1,
    coverage: holdoutMetrics.routing.coverage,
    autoPrecision: holdoutMetrics.routing.autoPrecision,
    ece: holdoutMetrics.ece,
    targetPrecision: trained.routing.targetPrecision,
    datasetSha256: options.sha256,
    trainingRows: trainRows.length,
    feedbackCount: 0,
  });
  const current = await registry.inService();
  await registry.movePointer(model.manifest.version, current?.modelVersion, `bootstrap from ${options.source}`);
  await registry.setStatus(model.manifest.version, 'promoted', `bootstrap from ${options.source}`);
  return { model, holdoutMetrics, ...(current && { previousVersion: current.modelVersion }) };
}
