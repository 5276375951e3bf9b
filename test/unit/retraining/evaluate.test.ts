import { beforeAll, describe, expect, it } from 'vitest';
import { BASE_DATASET_KEYS, toJsonLines } from '../../../src/data/base-dataset.ts';
import { MODEL_FILES, packageModel, type PackagedModel } from '../../../src/model/artifact.ts';
import { PROFILES } from '../../../src/model/profiles.ts';
import { fixedThresholdPolicy, type RoutingPolicy } from '../../../src/model/routing.ts';
import { trainModel } from '../../../src/model/train.ts';
import { modelKey } from '../../../src/model-store/s3-model-store.ts';
import {
  coverageAtTarget,
  evaluateCandidate,
  judgingPolicies,
  readEvaluation,
  type EvaluationReport,
} from '../../../src/retraining/evaluate.ts';
import { InMemoryModelStore, InMemoryRegistry, modelRecord } from '../../support/fakes.ts';
import { MORE_KNOWN_TICKETS } from '../../support/feedback-tickets.ts';
import { TRAINING_TICKETS } from '../../support/tickets.ts';

/** A model bucket in memory that the Evaluate step can also write its report to. */
class Bucket extends InMemoryModelStore {
  async putObject(key: string, body: Uint8Array | string | readonly Uint8Array[]): Promise<void> {
    this.objects.set(
      key,
      typeof body === 'string'
        ? new TextEncoder().encode(body)
        : body instanceof Uint8Array
          ? body
          : new Uint8Array(Buffer.concat(body)),
    );
  }
}

const lineage = { dataset: { sha256: 'a'.repeat(64), rows: TRAINING_TICKETS.length } };
const tolerances = { accuracy: 0, macroF1: 0.01, coverage: 0.02 };

const train = (targetPrecision: number) =>
  trainModel({
    texts: TRAINING_TICKETS.map((r) => r.text),
    labels: TRAINING_TICKETS.map((r) => r.label),
    profile: PROFILES.reference,
    targetPrecision,
  });

async function trained(version: string, targetPrecision: number): Promise<PackagedModel> {
  return packageModel(await train(targetPrecision), { lineage, version });
}

/** A model as trained before routing was added (format 1: no routing policy, routed at the old fixed 0.6). */
async function formatOne(version: string): Promise<(bucket: Bucket) => void> {
  const model = await train(0.95);
  const { routing: _r, ...classifierV1 } = model.classifier;
  const v1 = packageModel({ ...model, classifier: classifierV1 }, { lineage, version });
  const { routing: _m, features: _f, ...manifestV1 } = v1.manifest;
  return (bucket) => {
    bucket.put(v1);
    bucket.objects.set(
      modelKey(version, MODEL_FILES.manifest),
      new TextEncoder().encode(JSON.stringify({ ...manifestV1, formatVersion: 1 })),
    );
  };
}

describe('the Evaluate step: both models on the same holdout, each under its own routing policy', () => {
  let candidate: PackagedModel;
  let atLowerTarget: PackagedModel;

  beforeAll(async () => {
    [candidate, atLowerTarget] = await Promise.all([trained('cand', 0.95), trained('old', 0.5)]);
  });

  async function evaluate(inService: PackagedModel | undefined, setUp?: (bucket: Bucket) => void) {
    const bucket = new Bucket();
    bucket.put(candidate);
    if (inService) bucket.put(inService);
    setUp?.(bucket);
    await bucket.putObject(BASE_DATASET_KEYS.holdout, toJsonLines(MORE_KNOWN_TICKETS));
    await bucket.putObject('feedback/snap.jsonl', '');
    const registry = new InMemoryRegistry([modelRecord('cand'), modelRecord('old', { status: 'promoted' })]);
    if (inService || setUp) await registry.movePointer('old', undefined, 'test');
    const summary = await evaluateCandidate(
      { store: bucket, registry },
      { executionName: 'retrain-1', candidateVersion: 'cand', snapshotKey: 'feedback/snap.jsonl', tolerances },
    );
    const report: EvaluationReport = await readEvaluation(bucket, summary.evaluationKey);
    return { summary, report };
  }

  it('reports coverage, precision of the automatic routes and ECE for both, and requires coverage within the tolerance', async () => {
    const { summary, report } = await evaluate(await trained('old', 0.95));
    expect(report.candidate.routing.coverage).toBeGreaterThan(0);
    expect(summary.candidate).toEqual({
      accuracy: report.candidate.accuracy,
      macroF1: report.candidate.macroF1,
      coverageAtTarget: expect.any(Number),
      coverage: report.candidate.routing.coverage,
      autoPrecision: report.candidate.routing.autoPrecision,
      ece: report.candidate.ece,
      targetPrecision: 0.95,
    });
    expect(summary.inService).toMatchObject({ coverage: report.inService!.routing.coverage, targetPrecision: 0.95 });
    expect(summary.candidate.coverageAtTarget).toBeLessThanOrEqual(summary.candidate.coverage);
    expect(summary.required.coverageAtTarget).toBeCloseTo(Math.max(0, summary.inService!.coverageAtTarget - 0.02), 12);
    expect(report.figures).toEqual({ candidate: summary.candidate, inService: summary.inService });
    expect(report.gate).toMatchObject({ coverageCompared: true, tolerances });
    expect(report.gate.reason).toMatch(
      /coverage at 95\.00% precision \d+\.\d+% vs \d+\.\d+% in service \(tolerance 2\.00 pt\)/,
    );
    expect(report.routing.candidate).toMatchObject({ targetPrecision: 0.95, perCategory: 0 });
    expect(report.routing.inService).not.toHaveProperty('refittedFrom');
    expect(report.candidate.routing.perCategory.map((c) => c.label)).toEqual(['Access', 'Hardware', 'Purchase']);
  });

  it("re-fits the in-service model's threshold for the candidate's target from its stored curve when the targets differ", async () => {
    const { summary, report } = await evaluate(atLowerTarget);
    expect(report.routing.inService).toMatchObject({ targetPrecision: 0.95, refittedFrom: 0.5 });
    expect(summary.inService!.targetPrecision).toBe(0.95);
    expect(report.gate.coverageCompared).toBe(true);
  });

  it('does not compare coverage with a model in service from before routing (format 1, the old fixed 0.6)', async () => {
    const { summary, report } = await evaluate(undefined, await formatOne('old'));
    expect(report.routing.inService).toBeNull();
    expect(summary.inService).toMatchObject({ targetPrecision: null });
    expect(summary.required.coverageAtTarget).toBe(0);
    expect(report.gate.coverageCompared).toBe(false);
    expect(report.gate.reason).toMatch(/coverage not compared: the model in service has no routing policy/);
  });

  it('the first candidate: no model in service, nothing compared', async () => {
    const { summary, report } = await evaluate(undefined);
    expect(summary).toMatchObject({ inService: null, accepted: true, required: { coverageAtTarget: 0 } });
    expect(report.routing).toEqual({ candidate: expect.objectContaining({ targetPrecision: 0.95 }), inService: null });
  });
});

describe('coverage at the target precision', () => {
  /** Tickets of one model: `right` says whether its category is right. */
  const rows = (spec: [probability: number, right: boolean, route?: 'auto' | 'review'][]) =>
    spec.map(([probability, right, route]) => ({
      actual: 'A',
      category: right ? 'A' : 'B',
      probability,
      route: route ?? (probability >= 0.5 ? ('auto' as const) : ('review' as const)),
    }));

  it('is the coverage when the automatic routes reach the target', () => {
    const r = rows([
      [0.9, true],
      [0.8, true],
      [0.7, true],
      [0.4, false],
    ]);
    expect(coverageAtTarget(r, 0.95)).toBe(0.75);
  });

  it('narrows to the most probable routes when they fall short of it (the threshold raised, never lowered)', () => {
    const r = rows([
      [0.9, true],
      [0.8, true],
      [0.7, false],
      [0.6, true],
      [0.45, true], // a review: never counted, however right
      [0.3, false],
    ]);
    // Automatic: 4 routes at 75%; at 95% only the top two hold.
    expect(coverageAtTarget(r, 0.95)).toBeCloseTo(2 / 6, 12);
    expect(coverageAtTarget(r, 0.75)).toBeCloseTo(4 / 6, 12);
  });

  it('is 0 when nothing reaches the target, without a target, and on no rows', () => {
    const r = rows([
      [0.9, false],
      [0.8, true],
    ]);
    expect(coverageAtTarget(r, 0.95)).toBe(0);
    expect(coverageAtTarget(rows([[0.9, true]]), null)).toBe(0);
    expect(coverageAtTarget([], 0.95)).toBe(0);
  });
});

describe('judgingPolicies', () => {
  const curve = { rows: new Array(1000).fill(0), right: new Array(1000).fill(0) };
  curve.rows[990] = 10;
  curve.right[990] = 10;
  curve.rows[500] = 10;
  curve.right[500] = 5;
  const policy = (targetPrecision: number, withCurve = true): RoutingPolicy => ({
    targetPrecision,
    threshold: 0.5,
    ...(withCurve && { curve }),
    fitted: { rows: 20, coverage: 1, precision: 0.75 },
  });

  it('each model keeps its own policy when the targets agree, or one has none', () => {
    const a = policy(0.95);
    const b = policy(0.95);
    expect(judgingPolicies(a, b)).toEqual({ candidate: a, inService: b });
    expect(judgingPolicies(a, undefined)).toEqual({ candidate: a, inService: undefined });
    const legacy = fixedThresholdPolicy(0.6);
    expect(judgingPolicies(undefined, legacy)).toEqual({ candidate: undefined, inService: legacy });
  });

  it("re-fits the in-service threshold for the candidate's target from the in-service curve", () => {
    const judged = judgingPolicies(policy(0.95), policy(0.7));
    expect(judged.refittedFrom).toBe(0.7);
    expect(judged.inService).toMatchObject({ targetPrecision: 0.95, threshold: 0.99 });
  });

  it('keeps the in-service policy as it is when it has no curve to re-fit from', () => {
    const old = policy(0.7, false);
    expect(judgingPolicies(policy(0.95), old)).toEqual({ candidate: expect.anything(), inService: old });
  });
});
