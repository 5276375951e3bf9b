import { computeMetrics, type Metrics } from '../model/metrics.ts';
import { loadTicketClassifier, type TicketClassifier } from '../model/ticket-classifier.ts';
import type { ModelRegistry } from '../model-store/registry.ts';
import type { S3ModelStore } from '../model-store/s3-model-store.ts';
import { BASE_DATASET_KEYS, readJsonLinesObject, type LabelledExample } from '../data/base-dataset.ts';
import { decideGate, type GateTolerances, type MetricSummary } from './gate.ts';
import { readSnapshot } from './snapshot.ts';
import { TriageError } from '../errors.ts';

export const EVALUATION_FORMAT = 'ticket-triage-evaluation';
export const EVALUATIONS_PREFIX = 'evaluations/';
export const evaluationKeyFor = (candidateVersion: string): string => `${EVALUATIONS_PREFIX}${candidateVersion}.json`;

/** The full evaluation, stored as JSON in the model bucket (`evaluations/<candidate>.json`). */
export interface EvaluationReport {
  readonly format: typeof EVALUATION_FORMAT;
  readonly formatVersion: 1;
  readonly createdAt: string;
  readonly executionName: string;
  readonly candidateVersion: string;
  /** The model in service the candidate was compared with (null: none). */
  readonly inServiceVersion: string | null;
  readonly holdout: {
    readonly rows: number;
    readonly baseRows: number;
    readonly feedbackRows: number;
    readonly snapshotKey: string;
  };
  readonly candidate: Metrics;
  readonly inService: Metrics | null;
  /** Accuracy on each part of the holdout. */
  readonly bySource: {
    readonly base: { readonly rows: number; readonly candidate: number; readonly inService: number | null };
    readonly feedback: { readonly rows: number; readonly candidate: number; readonly inService: number | null };
  };
  readonly gate: {
    readonly tolerances: GateTolerances;
    readonly required: MetricSummary;
    readonly accepted: boolean;
    readonly reason: string;
  };
}

/** What `Evaluate` passes on: keys and the figures the `AccuracyHolds` Choice compares. */
export interface EvaluationSummary {
  readonly evaluationKey: string;
  readonly candidateVersion: string;
  readonly inServiceVersion: string | null;
  readonly candidate: MetricSummary;
  readonly inService: MetricSummary | null;
  /** The in-service figures minus the tolerances: the candidate must reach both. */
  readonly required: MetricSummary;
  readonly accepted: boolean;
  readonly reason: string;
  readonly holdoutRows: number;
}

export class NothingToEvaluateError extends TriageError {
  override readonly name = 'NothingToEvaluateError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'Internal', options);
  }
}

/** A model version from S3, ready to classify (checksums verified). */
export async function loadStoredClassifier(
  store: Pick<S3ModelStore, 'manifest' | 'part'>,
  version: string,
): Promise<TicketClassifier> {
  const manifest = await store.manifest(version);
  const [vectorizer, classifier] = await Promise.all([
    store.part(manifest, 'vectorizer'),
    store.part(manifest, 'classifier'),
  ]);
  return loadTicketClassifier(manifest, { vectorizer, classifier });
}

/**
 * Classifies `texts` with several models, preprocessing each text once per
 * distinct preprocessing config (the expensive part).
 */
export function classifyAll(models: readonly TicketClassifier[], texts: readonly string[]): string[][] {
  const predictions = models.map(() => new Array<string>(texts.length));
  const groups = new Map<string, number[]>();
  models.forEach((m, i) => {
    const key = JSON.stringify(m.manifest.preprocess);
    groups.set(key, [...(groups.get(key) ?? []), i]);
  });
  for (const members of groups.values()) {
    const preprocessor = models[members[0]!]!.preprocessor;
    texts.forEach((text, t) => {
      const { tokens } = preprocessor.preprocess(text);
      for (const m of members) {
        const model = models[m]!;
        predictions[m]![t] = model.classifier.predict(model.vectorizer.transform(tokens), { topK: 1 }).category;
      }
    });
  }
  return predictions;
}

const accuracyOf = (actual: readonly string[], predicted: readonly string[], from: number, to: number): number => {
  let correct = 0;
  for (let i = from; i < to; i++) if (actual[i] === predicted[i]) correct++;
  return to > from ? correct / (to - from) : 0;
};

/**
 * The candidate and the model in service, on the same holdout: the base
 * holdout plus the `holdout` rows of the feedback snapshot (never trained on).
 * Stores the full report in S3 and returns the summary the gate decides on.
 */
export async function evaluateCandidate(
  deps: { store: S3ModelStore; registry: ModelRegistry },
  input: { executionName: string; candidateVersion: string; snapshotKey: string; tolerances: GateTolerances },
): Promise<EvaluationSummary> {
  const { store, registry } = deps;
  const [base, snapshot, pointer] = await Promise.all([
    readJsonLinesObject(store, BASE_DATASET_KEYS.holdout, 'the base holdout'),
    readSnapshot(store, input.snapshotKey),
    registry.inService(),
  ]);
  const feedback: LabelledExample[] = snapshot
    .filter((r) => r.split === 'holdout')
    .map((r) => ({ text: r.text, label: r.label }));
  const rows = [...base, ...feedback];
  if (rows.length === 0)
    throw new NothingToEvaluateError(
      'the holdout is empty: the base dataset has no holdout rows and no feedback is held out',
    );
  const candidate = await loadStoredClassifier(store, input.candidateVersion);
  const current = pointer ? await loadStoredClassifier(store, pointer.modelVersion) : undefined;
  const models = current ? [candidate, current] : [candidate];
  const predicted = classifyAll(
    models,
    rows.map((r) => r.text),
  );
  const actual = rows.map((r) => r.label);
  const labels = [...new Set([...candidate.manifest.labels, ...(current?.manifest.labels ?? [])])];
  const candidateMetrics = computeMetrics(actual, predicted[0]!, labels);
  const currentMetrics = current ? computeMetrics(actual, predicted[1]!, labels) : null;
  const summaryOf = (m: Metrics): MetricSummary => ({ accuracy: m.accuracy, macroF1: m.macroF1 });
  const gate = decideGate(
    summaryOf(candidateMetrics),
    currentMetrics ? summaryOf(currentMetrics) : undefined,
    input.tolerances,
  );

  const evaluationKey = evaluationKeyFor(input.candidateVersion);
  const report: EvaluationReport = {
    format: EVALUATION_FORMAT,
    formatVersion: 1,
    createdAt: new Date().toISOString(),
    executionName: input.executionName,
    candidateVersion: input.candidateVersion,
    inServiceVersion: pointer?.modelVersion ?? null,
    holdout: {
      rows: rows.length,
      baseRows: base.length,
      feedbackRows: feedback.length,
      snapshotKey: input.snapshotKey,
    },
    candidate: candidateMetrics,
    inService: currentMetrics,
    bySource: {
      base: {
        rows: base.length,
        candidate: accuracyOf(actual, predicted[0]!, 0, base.length),
        inService: current ? accuracyOf(actual, predicted[1]!, 0, base.length) : null,
      },
      feedback: {
        rows: feedback.length,
        candidate: accuracyOf(actual, predicted[0]!, base.length, rows.length),
        inService: current ? accuracyOf(actual, predicted[1]!, base.length, rows.length) : null,
      },
    },
    gate: { tolerances: input.tolerances, ...gate },
  };
  await store.putObject(evaluationKey, JSON.stringify(report, null, 2), 'application/json');
  return {
    evaluationKey,
    candidateVersion: input.candidateVersion,
    inServiceVersion: pointer?.modelVersion ?? null,
    candidate: summaryOf(candidateMetrics),
    inService: currentMetrics ? summaryOf(currentMetrics) : null,
    required: gate.required,
    accepted: gate.accepted,
    reason: gate.reason,
    holdoutRows: rows.length,
  };
}

export async function readEvaluation(store: Pick<S3ModelStore, 'getObject'>, key: string): Promise<EvaluationReport> {
  return JSON.parse(new TextDecoder().decode(await store.getObject(key, `evaluation ${key}`))) as EvaluationReport;
}
