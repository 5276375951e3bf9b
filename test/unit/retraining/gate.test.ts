import '../../../src/local/stepfunctions/promise-with-resolvers.ts';
import { StateMachine } from 'aws-local-stepfunctions';
import { describe, expect, it } from 'vitest';
import { decideGate, type MetricSummary } from '../../../src/retraining/gate.ts';
import { aslDefinition, stateInput } from '../../support/steps.ts';

const tolerances = { accuracy: 0, macroF1: 0.25 };
const m = (accuracy: number, macroF1: number): MetricSummary => ({ accuracy, macroF1 });

describe('the promotion gate', () => {
  it.each([
    ['better on both', m(0.9, 0.9), m(0.8, 0.8), true],
    ['equal accuracy (tolerance 0 allows no drop, but no gain is needed)', m(0.75, 0.75), m(0.75, 0.75), true],
    ['any accuracy drop with tolerance 0', m(0.7499, 0.9), m(0.75, 0.5), false],
    ['macro-F1 down by exactly the tolerance', m(0.8, 0.5), m(0.75, 0.75), true],
    ['macro-F1 down by more than the tolerance', m(0.8, 0.4999), m(0.75, 0.75), false],
    ['both down', m(0.5, 0.25), m(0.75, 0.75), false],
  ])('%s', (_, candidate, inService, accepted) => {
    expect(decideGate(candidate, inService, tolerances).accepted).toBe(accepted);
  });

  it('requires the in-service figures minus the tolerances, and says which figure failed', () => {
    const decision = decideGate(m(0.7, 0.7), m(0.75, 0.75), tolerances);
    expect(decision.required).toEqual({ accuracy: 0.75, macroF1: 0.5 });
    expect(decision.reason).toMatch(
      /^accuracy does not hold: accuracy 70\.00% vs 75\.00% in service \(tolerance 0\.00 pt\) is below the required 75\.00%$/,
    );
    expect(decideGate(m(0.75, 0.4), m(0.75, 0.75), tolerances).reason).toMatch(
      /macro-F1 40\.00% vs 75\.00% in service \(tolerance 25\.00 pt\) is below the required 50\.00%/,
    );
    expect(decideGate(m(0.8, 0.8), m(0.75, 0.75), tolerances).reason).toMatch(
      /^accuracy holds: accuracy 80\.00% vs 75\.00%/,
    );
  });

  it('promotes the first candidate when no model is in service', () => {
    expect(decideGate(m(0.1, 0.1), undefined, tolerances)).toMatchObject({
      accepted: true,
      required: { accuracy: 0, macroF1: 0 },
    });
  });

  it('refuses tolerances outside 0..1', () => {
    expect(() => decideGate(m(1, 1), m(1, 1), { accuracy: -0.1, macroF1: 0 })).toThrow(
      /accuracy tolerance must be between 0 and 1/,
    );
    expect(() => decideGate(m(1, 1), m(1, 1), { accuracy: 0, macroF1: Number.NaN })).toThrow(/macroF1 tolerance/);
  });

  describe("the ASL's AccuracyHolds Choice decides as decideGate does", () => {
    const asl = aslDefinition('retrain-model');
    const machine = new StateMachine({
      StartAt: 'AccuracyHolds',
      States: {
        AccuracyHolds: asl.States.AccuracyHolds!,
        Promote: { Type: 'Pass', Result: 'Promote', End: true },
        Reject: { Type: 'Pass', Result: 'Reject', End: true },
      },
    });

    it.each([
      [m(0.9, 0.9), m(0.8, 0.8)],
      [m(0.8, 0.8), m(0.8, 0.8)],
      [m(0.8, 0.56), m(0.8, 0.8)],
      [m(0.8, 0.54), m(0.8, 0.8)],
      [m(0.79999, 0.9), m(0.8, 0.8)],
      [m(0.5, 0.5), undefined],
    ])('candidate %j vs in service %j', async (candidate, inService) => {
      const gate = decideGate(candidate, inService, tolerances);
      const evaluation = { candidate, inService: inService ?? null, required: gate.required, accepted: gate.accepted };
      const branch = await machine.run(stateInput({ evaluation })).result;
      expect(branch).toBe(gate.accepted ? 'Promote' : 'Reject');
    });
  });
});
