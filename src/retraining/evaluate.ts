import { evaluatePredictions, type EvaluatedPrediction, type Evaluation } from '../model/evaluation.ts';
import { fitThreshold, retarget, type RoutingPolicy } from '../model/routing.ts';
import { loadTicketClassifier, type TicketClassifier } from '../model/ticket-classifier.ts';
import type { ModelRegistry } from '../model-store/registry.ts';
import type { S3ModelStore } from '../model-store/s3-model-store.ts';
import { BASE_DATASET_KEYS, readJsonLinesObject, type LabelledExample } from '../data/base-dataset.ts';
import { decideGate, type GateFigures, type GateTolerances, type MetricSummary } from './gate.ts';
import { readSnapshot } from './snapshot.ts';
import { TriageError } from '../errors.ts';

export const EVALUATION_FORMAT = 'ticket-triage-evaluation';
export const EVALUATIONS_PREFIX = 'evaluations/';
export const evaluationKeyFor = (candidateVersion: string): string => `${EVALUATIONS_PREFIX}${candidateVersion}.json`;

/** The routing policy a model was judged under. */
export interface JudgedPolicy {
  readonly targetPrecision: number;
  readonly threshold: number;
  /** Categories with a threshold of their own. */
  readonly perCategory: number;
  /** The target of the model's own policy, when its threshold was re-fitted from its stored curve for the candidate's. */
  readonly refittedFrom?: number;
}

/** The figures of one model on the holdout that the registry records and the gate reads. */
export interface JudgedFigures extends GateFigures {
  /** Share of the holdout routed automatically under its policy. */
  readonly coverage: number;
  /** Precision of the tickets routed automatically. */
  readonly autoPrecision: number;
  /** Expected calibration error of the top probability (15 bins). */
  readonly ece: number;
}

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
  /** Accuracy, per-category figures, confusion matrix, and coverage / precision of the automatic routes and ECE. */
  readonly candidate: Evaluation;
  readonly inService: Evaluation | null;
  /** The routing policy each model was judged under (null: none, the old fixed 0.6 threshold). */
  readonly routing: { readonly candidate: JudgedPolicy | null; readonly inService: JudgedPolicy | null };
  /** What the gate compared: each model's figures, coverage at its target precision included. */
  readonly figures: { readonly candidate: JudgedFigures; readonly inService: JudgedFigures | null };
  /** Accuracy on each part of the holdout. */
  readonly bySource: {
    readonly base: { readonly rows: number; readonly candidate: number; readonly inService: number | null };
    readonly feedback: { readonly rows: number; readonly candidate: number; readonly inService: number | null };
  };
  readonly gate: {
    readonly tolerances: GateTolerances;
    readonly required: MetricSummary;
    readonly accepted: boolean;
    readonly coverageCompared: boolean;
    readonly reason: string;
  };
}

/** What `Evaluate` passes on: keys and the figures the `GateHolds` Choice compares. */
export interface EvaluationSummary {
  readonly evaluationKey: string;
  readonly candidateVersion: string;
  readonly inServiceVersion: string | null;
  readonly candidate: JudgedFigures;
  readonly inService: JudgedFigures | null;
  /** The in-service figures minus the tolerances: the candidate must reach all three. */
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

/** One model's answer for one text: the category, its probability and the route. */
export type RoutedPrediction = Omit<EvaluatedPrediction, 'actual'>;

/**
 * Classifies `texts` with several models, preprocessing each text once per
 * distinct preprocessing config (the expensive part). `routings[m]` routes
 * model m's predictions instead of its own policy.
 */
export function predictAll(
  models: readonly TicketClassifier[],
  texts: readonly string[],
  routings: readonly (RoutingPolicy | undefined)[] = [],
): RoutedPrediction[][] {
  const predictions = models.map(() => new Array<RoutedPrediction>(texts.length));
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
        const routing = routings[m];
        const p = model.classifier.predict(model.vectorizer.transform(tokens), {
          topK: 1,
          ...(routing && { routing }),
        });
        predictions[m]![t] = {
          category: p.category,
          probability: p.probability,
          route: p.route,
          ...(p.reason && { reason: p.reason }),
        };
      }
    });
  }
  return predictions;
}

/** The categories `texts` get from each model (see {@link predictAll}). */
export function classifyAll(models: readonly TicketClassifier[], texts: readonly string[]): string[][] {
  return predictAll(models, texts).map((rows) => rows.map((r) => r.category));
}

/**
 * The policy each model is judged under: its own. When both have one but for
 * different target precisions (TARGET_PRECISION changed since the model in
 * service was trained), the in-service model's threshold is re-fitted for the
 * candidate's target from the precision curve stored with it (its own
 * validation rows, not the holdout), so that coverage compares like with like.
 */
export function judgingPolicies(
  candidate: RoutingPolicy | undefined,
  inService: RoutingPolicy | undefined,
): { candidate: RoutingPolicy | undefined; inService: RoutingPolicy | undefined; refittedFrom?: number } {
  if (!candidate || !inService || candidate.targetPrecision === inService.targetPrecision || !inService.curve)
    return { candidate, inService };
  return {
    candidate,
    inService: retarget(inService, candidate.targetPrecision),
    refittedFrom: inService.targetPrecision,
  };
}

const judgedPolicy = (policy: RoutingPolicy | undefined, refittedFrom?: number): JudgedPolicy | null =>
  policy
    ? {
        targetPrecision: policy.targetPrecision,
        threshold: policy.threshold,
        perCategory: Object.keys(policy.perCategory ?? {}).length,
        ...(refittedFrom !== undefined && { refittedFrom }),
      }
    : null;

/**
 * The share of `rows` a model routes automatically at `target` precision:
 * all its automatic routes when they are right at least that often on these
 * rows; else only its most probable ones, down to the lowest probability at
 * which they still are (its threshold raised, never lowered). A policy
 * fitted on few validation rows can promise more than it keeps; this counts
 * what it keeps. 0 without a target (no routing policy).
 */
export function coverageAtTarget(rows: readonly EvaluatedPrediction[], target: number | null): number {
  if (target === null || rows.length === 0) return 0;
  const auto = rows.filter((r) => r.route === 'auto');
  const kept = fitThreshold(
    auto.map((r) => r.probability),
    auto.map((r) => r.category === r.actual),
    target,
  );
  return (kept.coverage * auto.length) / rows.length;
}

/** The figures of one model's evaluation the registry records and the gate reads. */
export function judgedFiguresOf(
  evaluation: Evaluation,
  rows: readonly EvaluatedPrediction[],
  policy: RoutingPolicy | undefined,
): JudgedFigures {
  const target = policy?.targetPrecision ?? null;
  return {
    accuracy: evaluation.accuracy,
    macroF1: evaluation.macroF1,
    coverageAtTarget: coverageAtTarget(rows, target),
    coverage: evaluation.routing.coverage,
    autoPrecision: evaluation.routing.autoPrecision,
    ece: evaluation.ece,
    targetPrecision: target,
  };
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
  deps: {
    store: Pick<S3ModelStore, 'manifest' | 'part' | 'getObject' | 'putObject'>;
    registry: Pick<ModelRegistry, 'inService'>;
  },
  input: { executionName: string; candidateVersion: string; snapshotKey: string; tolerances: GateTolerances },
): Promise<EvaluationSummary> {
  const { store, registry } = deps;
  const [base, snapshot, pointer] = await Promise.all([
    readJsonLinesObject(store, BASE_DATASET_KEYS.holdout, 'the base holdout'),
    readSnapshot(store, input.snapshotKey, 'holdout'),
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
  const policies = judgingPolicies(candidate.classifier.data.routing, current?.classifier.data.routing);
  const routed = predictAll(
    models,
    rows.map((r) => r.text),
    [policies.candidate, policies.inService],
  );
  const actual = rows.map((r) => r.label);
  const predicted = routed.map((m) => m.map((r) => r.category));
  const labels = [...new Set([...candidate.manifest.labels, ...(current?.manifest.labels ?? [])])];
  const withActual = (m: readonly RoutedPrediction[]) => m.map((r, i) => ({ ...r, actual: actual[i]! }));
  const candidateRows = withActual(routed[0]!);
  const currentRows = current ? withActual(routed[1]!) : null;
  const candidateMetrics = evaluatePredictions(candidateRows, { labels });
  const currentMetrics = currentRows ? evaluatePredictions(currentRows, { labels }) : null;
  const candidateFigures = judgedFiguresOf(candidateMetrics, candidateRows, policies.candidate);
  const currentFigures =
    currentMetrics && currentRows ? judgedFiguresOf(currentMetrics, currentRows, policies.inService) : null;
  const gate = decideGate(candidateFigures, currentFigures ?? undefined, input.tolerances);

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
    routing: {
      candidate: judgedPolicy(policies.candidate),
      inService: current ? judgedPolicy(policies.inService, policies.refittedFrom) : null,
    },
    figures: { candidate: candidateFigures, inService: currentFigures },
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
    candidate: candidateFigures,
    inService: currentFigures,
    required: gate.required,
    accepted: gate.accepted,
    reason: gate.reason,
    holdoutRows: rows.length,
  };
}

export async function readEvaluation(store: Pick<S3ModelStore, 'getObject'>, key: string): Promise<EvaluationReport> {
  return JSON.parse(new TextDecoder().decode(await store.getObject(key, `evaluation ${key}`))) as EvaluationReport;
}
