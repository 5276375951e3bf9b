import { describe, expect, it } from 'vitest';
import type { EvaluationSummary } from '../../../src/retraining/evaluate.ts';
import { promoteCandidate, recordRetrainFailure, rejectCandidate } from '../../../src/retraining/decide.ts';
import { InMemoryRegistry, modelRecord } from '../../support/fakes.ts';

/** One model's figures on the holdout, its automatic routes right 96% of the time (above the 95% target). */
const figures = (accuracy: number, macroF1: number, coverage: number) => ({
  accuracy,
  macroF1,
  coverage,
  coverageAtTarget: coverage,
  autoPrecision: 0.96,
  ece: 0.02,
  targetPrecision: 0.95,
});

/** The Evaluate step's summary of candidate `v2` against `v1` in service. */
const evaluation = (fields: Partial<EvaluationSummary> = {}): EvaluationSummary => ({
  evaluationKey: 'evaluations/v2.json',
  candidateVersion: 'v2',
  inServiceVersion: 'v1',
  candidate: figures(0.9, 0.88, 0.8),
  inService: figures(0.85, 0.84, 0.75),
  required: { accuracy: 0.85, macroF1: 0.83, coverageAtTarget: 0.73 },
  accepted: true,
  reason: 'accuracy holds: 90.00% >= 85.00%',
  holdoutRows: 100,
  ...fields,
});

/** v1 in service, v2 a candidate of run `retrain-1`. */
async function registry(): Promise<InMemoryRegistry> {
  const r = new InMemoryRegistry([
    modelRecord('v1', { status: 'promoted' }),
    modelRecord('v2', { retrainExecution: 'retrain-1', createdAt: '2026-11-29T03:00:00.000Z' }),
  ]);
  await r.movePointer('v1', undefined, 'bootstrap');
  return r;
}

describe('promoting a candidate the gate accepted', () => {
  it('moves the pointer from the model it was evaluated against, and records the figures it was judged on', async () => {
    const r = await registry();
    const decision = await promoteCandidate(r, evaluation());
    expect(decision).toMatchObject({ outcome: 'promoted', candidateVersion: 'v2', inServiceVersion: 'v2' });
    expect(r.pointer).toMatchObject({ modelVersion: 'v2', previousVersion: 'v1', revision: 2 });
    expect(await r.get('v2')).toMatchObject({
      status: 'promoted',
      accuracy: 0.9,
      coverage: 0.8,
      coverageAtTarget: 0.8,
      autoPrecision: 0.96,
      ece: 0.02,
      targetPrecision: 0.95,
      evaluationKey: 'evaluations/v2.json',
      comparedWith: { version: 'v1', accuracy: 0.85, macroF1: 0.84, coverage: 0.75, targetPrecision: 0.95 },
    });
  });

  it('is superseded when the model in service changed meanwhile: nothing overwritten, the candidate rejected', async () => {
    const r = await registry();
    await r.register(modelRecord('v3', { status: 'promoted' }));
    // Another promotion wins the race between reading the pointer and moving it.
    r.beforeMove = () => {
      r.beforeMove = undefined;
      r.pointer = { ...r.pointer!, modelVersion: 'v3', revision: r.pointer!.revision + 1 };
    };
    const decision = await promoteCandidate(r, evaluation());
    expect(decision).toMatchObject({ outcome: 'superseded', inServiceVersion: 'v3' });
    expect(r.pointer!.modelVersion).toBe('v3');
    expect((await r.get('v2'))!.status).toBe('rejected');
    expect((await r.get('v2'))!.statusReason).toMatch(/^superseded: .* changed to v3 meanwhile/);
  });

  it('retried after the pointer moved: confirms the candidate, moves nothing again', async () => {
    const r = await registry();
    await promoteCandidate(r, evaluation());
    const again = await promoteCandidate(r, evaluation());
    expect(again.outcome).toBe('promoted');
    expect(r.pointer).toMatchObject({ modelVersion: 'v2', revision: 2 });
  });

  it('refuses a candidate the registry does not know', async () => {
    await expect(promoteCandidate(await registry(), evaluation({ candidateVersion: 'v9' }))).rejects.toThrow(
      /v9 is not in the registry/,
    );
  });
});

describe('rejecting and failing', () => {
  it('a rejected candidate is recorded with the reason; the pointer stays', async () => {
    const r = await registry();
    const decision = await rejectCandidate(r, evaluation({ accepted: false, reason: 'accuracy does not hold' }));
    expect(decision).toMatchObject({ outcome: 'rejected', inServiceVersion: 'v1' });
    expect(await r.get('v2')).toMatchObject({
      status: 'rejected',
      statusReason: 'rejected by the retraining gate: accuracy does not hold',
    });
    expect(r.pointer!.modelVersion).toBe('v1');
  });

  it('a candidate refused for its coverage: recorded with the reason and both coverages', async () => {
    const r = await registry();
    const reason =
      'coverage does not hold: coverage at 95.00% precision 60.00% vs 75.00% in service (tolerance 2.00 pt) is below the required 73.00%';
    const refused = evaluation({ accepted: false, reason, candidate: figures(0.9, 0.88, 0.6) });
    const decision = await rejectCandidate(r, refused);
    expect(decision.reason).toBe(`rejected by the retraining gate: ${reason}`);
    expect(await r.get('v2')).toMatchObject({
      status: 'rejected',
      coverage: 0.6,
      coverageAtTarget: 0.6,
      comparedWith: { version: 'v1', coverage: 0.75, coverageAtTarget: 0.75 },
    });
  });

  it('a failed run marks its undecided candidates failed, never the model in service, never the pointer', async () => {
    const r = await registry();
    await r.register(modelRecord('v0', { status: 'candidate' })); // another run's
    const failure = await recordRetrainFailure(r, {
      executionName: 'retrain-1',
      step: 'Evaluate',
      error: 'Error',
      cause: 'the evaluation data is unreadable',
    });
    expect(failure).toEqual({
      outcome: 'failed',
      step: 'Evaluate',
      error: 'Error',
      cause: 'the evaluation data is unreadable',
      failedVersions: ['v2'],
    });
    expect((await r.get('v2'))!.statusReason).toBe(
      'the retraining failed in Evaluate (Error): the evaluation data is unreadable',
    );
    expect((await r.get('v0'))!.status).toBe('candidate');
    expect((await r.get('v1'))!.status).toBe('promoted');
    expect(r.pointer!.modelVersion).toBe('v1');
  });

  it('a run that failed after its candidate went in service leaves it promoted (the registry follows the pointer)', async () => {
    const r = await registry();
    await r.movePointer('v2', 'v1', 'promoted by the retraining gate');
    const failure = await recordRetrainFailure(r, {
      executionName: 'retrain-1',
      step: 'Promote',
      error: 'TransientError',
      cause: 'timed out',
      candidateVersion: 'v2',
    });
    expect(failure.failedVersions).toEqual([]);
    expect(await r.get('v2')).toMatchObject({ status: 'promoted', statusReason: expect.stringMatching(/^in service/) });
  });
});
