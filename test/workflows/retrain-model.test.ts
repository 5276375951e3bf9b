import { afterEach, describe, expect, it } from 'vitest';
import { handler as evaluateHandler } from '../../handlers/evaluate-model.ts';
import { handler as promoteHandler } from '../../handlers/promote-model.ts';
import { handler as retrainHandler } from '../../handlers/train-candidate.ts';
import { seededRandom, shuffleInPlace } from '../../src/model/random.ts';
import { submitFeedback } from '../../src/operations/feedback.ts';
import { readEvaluation } from '../../src/retraining/evaluate.ts';
import { describeRun, startRetrain, type RunDetail } from '../../src/workflows/runs.ts';
import { readSnapshot } from '../../src/retraining/snapshot.ts';
import type { LocalStackOptions } from '../../src/local-stack/local-stack.ts';
import { MORE_KNOWN_TICKETS, NETWORK_TICKETS } from '../support/feedback-tickets.ts';
import { startTestStack, type TestStack } from '../support/local-stack.ts';

/**
 * The retrain-model workflow as deployed: the ASL file itself, the real step
 * handlers, the local S3/DynamoDB/Step Functions servers. Tickets go through
 * the real classify-ticket workflow first; feedback is given on them.
 */
const TICKETS = [
  ...NETWORK_TICKETS.map((text, i) => ({ ticketId: `NET-${i}`, text, label: 'Network' })),
  ...MORE_KNOWN_TICKETS.map((r, i) => ({ ticketId: `KNOWN-${i}`, text: r.text, label: r.label })),
];

const stacks: TestStack[] = [];
afterEach(async () => {
  await Promise.all(stacks.splice(0).map((s) => s.stop()));
});

/**
 * A stack with a first model in service and every ticket classified by it.
 * The gate's holdout here is 14 tickets (6 base + 8 held-out feedback): one
 * ticket is 7 points of coverage, so the coverage tolerance allows one
 * (`settings` overrides it).
 */
async function classifiedStack(
  functionOverrides: LocalStackOptions['functionOverrides'] = {},
  settings: Record<string, string> = {},
): Promise<{ t: TestStack; v1: string }> {
  const t = await startTestStack({
    settings: { MIN_NEW_FEEDBACK: '10', COVERAGE_TOLERANCE: '0.1', ...settings },
    functionOverrides,
  });
  stacks.push(t);
  const v1 = await t.bootstrap();
  for (const ticket of TICKETS) await t.send({ ticketId: ticket.ticketId, body: ticket.text });
  await t.until(() => t.outputs.length >= TICKETS.length, 30_000);
  return { t, v1 };
}

/** Feedback on every ticket: `labelOf` says which category is right. */
async function giveFeedback(
  t: TestStack,
  labelOf: (ticket: (typeof TICKETS)[number], index: number) => string,
): Promise<void> {
  const deps = { feedback: t.feedback, registry: t.registry, manifest: (v: string) => t.store.manifest(v) };
  for (const [i, ticket] of TICKETS.entries()) {
    const predicted = t.outputs.find((o) => o.ticketId === ticket.ticketId)!.category;
    const label = labelOf(ticket, i);
    await submitFeedback(
      deps,
      ticket.ticketId,
      label === predicted
        ? { verdict: 'confirmed', by: 'test' }
        : { verdict: 'corrected', category: label, allowNewCategory: true, by: 'test' },
    );
  }
}

async function retrain(t: TestStack): Promise<RunDetail> {
  const arn = t.stack.stateMachines['retrain-model']!;
  const { executionName, executionArn } = await startRetrain(t.clients.sfn, arn, { trigger: 'test' });
  await t.stack.runtime.stepFunctions.waitForExecution(executionArn);
  return describeRun(t.clients.sfn, arn, executionName);
}

const stepNames = (run: RunDetail) => run.steps!.map((s) => s.name);

describe('retrain-model workflow (the ASL file, real handlers, local AWS servers)', () => {
  it('helpful feedback: a better candidate is promoted, new tickets use it; with no new feedback the next run is skipped', async () => {
    const { t, v1 } = await classifiedStack();
    await giveFeedback(t, (ticket) => ticket.label);

    const run = await retrain(t);
    expect(run.status).toBe('SUCCEEDED');
    expect(stepNames(run)).toEqual([
      'GatherFeedback',
      'EnoughNewFeedback',
      'Retrain',
      'Evaluate',
      'GateHolds',
      'Promote',
    ]);
    expect(run.output).toMatchObject({
      outcome: 'promoted',
      inServiceVersion: run.candidateVersion,
      reason: expect.stringMatching(/^promoted by the retraining gate: accuracy (and coverage hold|holds)/),
    });
    const v2 = run.candidateVersion!;
    expect((await t.registry.inService())!.modelVersion).toBe(v2);

    // The registry: promoted, with lineage and the figures it was judged on.
    const record = (await t.registry.get(v2))!;
    expect(record).toMatchObject({
      status: 'promoted',
      parentVersion: v1,
      retrainExecution: run.executionName,
      feedbackCount: expect.any(Number),
      comparedWith: { version: v1 },
    });
    expect(record.accuracy!).toBeGreaterThan(record.comparedWith!.accuracy!);

    // The artifact's lineage: base dataset checksum, feedback count + watermark + snapshot, parent.
    const manifest = await t.store.manifest(v2);
    const snapshot = await readSnapshot(t.store, record.feedbackSnapshotKey!);
    const held = snapshot.filter((r) => r.split === 'holdout');
    expect(snapshot).toHaveLength(TICKETS.length);
    expect(held.length).toBeGreaterThan(0);
    expect(manifest.lineage).toEqual({
      dataset: { sha256: 'test'.padEnd(64, '0'), rows: 30, source: 'test fixtures' },
      feedback: {
        count: TICKETS.length - held.length,
        watermark: record.feedbackWatermark,
        snapshotKey: record.feedbackSnapshotKey,
      },
      parentVersion: v1,
    });
    expect(manifest.trainingRows).toBe(30 + TICKETS.length - held.length); // the held-out slice is never trained on
    expect(manifest.labels).toContain('Network');

    // The full evaluation in S3: both models on the same holdout, per-class figures and confusion matrices.
    const evaluation = await readEvaluation(t.store, record.evaluationKey!);
    expect(evaluation).toMatchObject({
      candidateVersion: v2,
      inServiceVersion: v1,
      holdout: { baseRows: 6, feedbackRows: held.length },
      gate: { accepted: true },
    });
    expect(evaluation.candidate.confusion).toHaveLength(4);
    expect(evaluation.inService!.confusion).toHaveLength(4);
    expect(evaluation.candidate.perClass.map((c) => c.label)).toContain('Network');

    // New classifications use the new version (and know the new category).
    await t.send({ ticketId: 'AFTER-1', body: 'the wifi network in the lobby is down' });
    await t.until(() => t.outputs.some((o) => o.ticketId === 'AFTER-1'));
    expect(t.outputs.find((o) => o.ticketId === 'AFTER-1')).toMatchObject({ modelVersion: v2, category: 'Network' });

    // Nothing new since: the next run stops after GatherFeedback, recorded as skipped; no candidate.
    const skipped = await retrain(t);
    expect(skipped.status).toBe('SUCCEEDED');
    expect(stepNames(skipped)).toEqual(['GatherFeedback', 'EnoughNewFeedback', 'NotEnoughFeedback']);
    expect(skipped.output).toMatchObject({
      outcome: 'skipped',
      newSinceWatermark: 0,
      minNewFeedback: 10,
      totalFeedback: TICKETS.length,
      reason: expect.stringMatching(
        /^skipped: not enough new feedback \(0 new since .*; a retraining needs at least 10\)$/,
      ),
    });
    expect((await t.registry.list()).map((r) => r.version).sort()).toEqual([v1, v2].sort());
    expect((await t.registry.inService())!.modelVersion).toBe(v2);
  }, 90_000);

  it('feedback with shuffled labels: the candidate is rejected with the reason, the model in service untouched', async () => {
    const { t, v1 } = await classifiedStack();
    const order = TICKETS.map((_, i) => i);
    shuffleInPlace(order, seededRandom(11));
    await giveFeedback(t, (_, i) => TICKETS[order[i]!]!.label);
    const before = (await t.registry.inService())!;

    const run = await retrain(t);
    expect(run.status).toBe('SUCCEEDED');
    expect(stepNames(run)).toEqual([
      'GatherFeedback',
      'EnoughNewFeedback',
      'Retrain',
      'Evaluate',
      'GateHolds',
      'Reject',
    ]);
    expect(run.output).toMatchObject({
      outcome: 'rejected',
      inServiceVersion: v1,
      reason: expect.stringMatching(
        /^rejected by the retraining gate: accuracy (and coverage do|does) not hold: .* is below the required/,
      ),
    });
    expect(await t.registry.get(run.candidateVersion!)).toMatchObject({
      status: 'rejected',
      statusReason: (run.output as { reason: string }).reason,
      comparedWith: { version: v1 },
    });
    expect(await t.registry.inService()).toEqual(before);
  }, 90_000);

  it.each([
    ['Evaluate', 'evaluate-model', /the retraining failed in Evaluate \(Error\): the evaluation data is unreadable/],
    ['Promote', 'promote-model', /the retraining failed in Promote \(Error\): the evaluation data is unreadable/],
  ])(
    'a step failing mid-way (%s): the run fails, its candidate is recorded as failed, nothing is promoted',
    async (_, failing, reason) => {
      const { t, v1 } = await classifiedStack({
        [failing]: () => {
          throw new Error('the evaluation data is unreadable');
        },
      });
      await giveFeedback(t, (ticket) => ticket.label);
      const before = (await t.registry.inService())!;

      const run = await retrain(t);
      expect(run.status).toBe('FAILED');
      expect(run.error).toBe('Error');
      expect(run.cause).toBe('the evaluation data is unreadable');
      expect(stepNames(run).slice(-2)).toEqual(['RecordFailure', 'RetrainFailed']);
      const candidates = (await t.registry.list()).filter((r) => r.version !== v1);
      expect(candidates).toEqual([
        expect.objectContaining({
          status: 'failed',
          retrainExecution: run.executionName,
          statusReason: expect.stringMatching(reason),
        }),
      ]);
      expect(await t.registry.inService()).toEqual(before);
    },
    90_000,
  );

  it('Retrain failing before it registered anything: the run fails, the registry and the pointer are unchanged', async () => {
    const { t, v1 } = await classifiedStack({
      'train-candidate': () => {
        throw new RangeError('out of memory while fitting');
      },
    });
    await giveFeedback(t, (ticket) => ticket.label);
    const run = await retrain(t);
    expect(run).toMatchObject({ status: 'FAILED', error: 'RangeError', cause: 'out of memory while fitting' });
    expect((await t.registry.list()).map((r) => r.version)).toEqual([v1]);
    expect((await t.registry.inService())!.modelVersion).toBe(v1);
  }, 90_000);

  it('two retrains racing: at most one promotion, the other recorded as superseded', async () => {
    let arrived = 0;
    let bothArrived!: () => void;
    const barrier = new Promise<void>((resolve) => (bothArrived = resolve));
    const { t, v1 } = await classifiedStack({
      'train-candidate': retrainHandler,
      'evaluate-model': evaluateHandler,
      'promote-model': async (event: unknown) => {
        // Both runs evaluated against v1 before either moves the pointer.
        arrived += 1;
        if (arrived === 2) bothArrived();
        await Promise.race([barrier, new Promise((r) => setTimeout(r, 20_000))]);
        return promoteHandler(event);
      },
    });
    await giveFeedback(t, (ticket) => ticket.label);
    const arn = t.stack.stateMachines['retrain-model']!;
    const starts = await Promise.all([
      startRetrain(t.clients.sfn, arn, { trigger: 'test' }),
      startRetrain(t.clients.sfn, arn, { trigger: 'test' }),
    ]);
    await Promise.all(starts.map((s) => t.stack.runtime.stepFunctions.waitForExecution(s.executionArn)));
    const runs = await Promise.all(starts.map((s) => describeRun(t.clients.sfn, arn, s.executionName)));
    expect(arrived).toBe(2);

    expect(runs.map((r) => r.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(runs.map((r) => r.outcome).sort()).toEqual(['promoted', 'superseded']);
    const winner = runs.find((r) => r.outcome === 'promoted')!;
    const loser = runs.find((r) => r.outcome === 'superseded')!;
    expect(winner.candidateVersion).not.toBe(loser.candidateVersion);
    const pointer = (await t.registry.inService())!;
    expect(pointer.modelVersion).toBe(winner.candidateVersion);
    expect(pointer.history.filter((h) => h.previousVersion === v1)).toHaveLength(1);
    expect(await t.registry.get(loser.candidateVersion!)).toMatchObject({
      status: 'rejected',
      statusReason: expect.stringMatching(/^superseded: .*changed to .*meanwhile/),
    });
  }, 90_000);

  it('coverage at the target precision is judged too: each model under its own policy, the figures recorded, the reason says which held', async () => {
    const { t, v1 } = await classifiedStack({}, { COVERAGE_TOLERANCE: '0' });
    await giveFeedback(t, (ticket) => ticket.label);
    const run = await retrain(t);
    expect(run.status).toBe('SUCCEEDED');
    type Figures = { accuracy: number; macroF1: number; coverage: number; coverageAtTarget: number };
    const output = run.output as { outcome: string; reason: string; candidate: Figures; inService: Figures };
    const { candidate, inService } = output;
    for (const f of [candidate, inService]) {
      expect(f.coverageAtTarget).toBeGreaterThanOrEqual(0);
      expect(f.coverageAtTarget).toBeLessThanOrEqual(f.coverage);
    }
    // The Choice decides on the figures Evaluate computed, as the gate does (tolerance 0: no coverage may be lost).
    const accuracyHolds = candidate.accuracy >= inService.accuracy && candidate.macroF1 >= inService.macroF1 - 0.01;
    const coverageHolds = candidate.coverageAtTarget >= inService.coverageAtTarget;
    expect(output.outcome).toBe(accuracyHolds && coverageHolds ? 'promoted' : 'rejected');
    expect(output.reason).toMatch(
      coverageHolds
        ? /coverage at 95\.00% precision [\d.]+% vs [\d.]+% in service \(tolerance 0\.00 pt\)(;|$)/
        : /coverage does not hold: .*coverage at 95\.00% precision [\d.]+% vs [\d.]+% in service \(tolerance 0\.00 pt\) is below the required/,
    );
    // The registry records what the candidate was judged on, and the model it was judged against.
    const record = (await t.registry.get(run.candidateVersion!))!;
    expect(record).toMatchObject({
      coverage: candidate.coverage,
      coverageAtTarget: candidate.coverageAtTarget,
      targetPrecision: 0.95,
      comparedWith: { version: v1, coverage: inService.coverage, coverageAtTarget: inService.coverageAtTarget },
    });
    expect(record.autoPrecision).toBeGreaterThanOrEqual(0);
    expect(record.ece).toBeGreaterThanOrEqual(0);
    // The full report: both models' routing figures and the policies they were judged under.
    const evaluation = await readEvaluation(t.store, record.evaluationKey!);
    expect(evaluation.candidate.routing.coverage).toBe(candidate.coverage);
    expect(evaluation.inService!.routing.coverage).toBe(inService.coverage);
    expect(evaluation.routing.candidate).toMatchObject({ targetPrecision: 0.95 });
    expect(evaluation.gate).toMatchObject({ coverageCompared: true, tolerances: { coverage: 0 } });
  }, 90_000);

  it('the local schedule starts retraining runs (RETRAIN_SCHEDULE)', async () => {
    const t = await startTestStack({ settings: { RETRAIN_SCHEDULE: 'rate(1 day)' } });
    stacks.push(t);
    await t.bootstrap();
    expect(t.stack.retrainSchedule?.nextRun()?.getTime()).toBeGreaterThan(Date.now() + 23 * 3600_000);
    await t.stack.retrainSchedule!.trigger();
    const arn = t.stack.stateMachines['retrain-model']!;
    const { ListExecutionsCommand } = await import('@aws-sdk/client-sfn');
    const listed = await t.clients.sfn.send(new ListExecutionsCommand({ stateMachineArn: arn }));
    expect(listed.executions).toHaveLength(1);
    await t.stack.runtime.stepFunctions.waitForExecution(listed.executions![0]!.executionArn!);
    const run = await describeRun(t.clients.sfn, arn, listed.executions![0]!.name!);
    expect(run).toMatchObject({ input: { trigger: 'schedule' }, outcome: 'skipped' });
  });
});
