import { describe, expect, it } from 'vitest';
import {
  decideRoute,
  evaluatePredictions,
  expectedCalibrationError,
  fitRoutingPolicy,
  fitThreshold,
  fitUnknownRule,
  retarget,
  routingMetrics,
  seededRandom,
  chooseHeldOutCategories,
  explainInWords,
  type ValidationPrediction,
} from '../../../src/model/index.ts';
import { thresholdForCost } from '../../../src/model/routing.ts';

describe('fitThreshold', () => {
  it('picks the lowest threshold whose routes reach the target precision', () => {
    const p = [0.99, 0.95, 0.9, 0.8, 0.7, 0.6, 0.5];
    const ok = [true, true, true, false, true, false, false];
    // >= 0.9: 3/3; >= 0.8: 3/4; >= 0.7: 4/5 = 0.8; >= 0.6: 4/6; >= 0.5: 4/7
    expect(fitThreshold(p, ok, 1)).toEqual({ threshold: 0.9, coverage: 3 / 7, precision: 1 });
    expect(fitThreshold(p, ok, 0.8)).toEqual({ threshold: 0.7, coverage: 5 / 7, precision: 0.8 });
    expect(fitThreshold(p, ok, 0.5)).toEqual({ threshold: 0.5, coverage: 1, precision: 4 / 7 });
  });

  it('never splits equal probabilities and routes nothing when the target is out of reach', () => {
    expect(fitThreshold([0.9, 0.9, 0.5], [true, false, true], 1)).toMatchObject({ threshold: 1.0001, coverage: 0 });
    expect(fitThreshold([0.9, 0.9, 0.5], [true, false, false], 0.5)).toMatchObject({ threshold: 0.9, coverage: 2 / 3 });
  });
});

/** Validation rows whose probability is calibrated: right with probability p. */
function calibratedRows(n: number, seed: number, categories = ['a', 'b', 'c']): ValidationPrediction[] {
  const random = seededRandom(seed);
  return Array.from({ length: n }, (_, i) => {
    const probability = 0.3 + 0.7 * random();
    return {
      category: categories[i % categories.length]!,
      probability,
      maxScore: probability * 4,
      margin: probability * 2,
      correct: random() < probability,
    };
  });
}

describe('fitRoutingPolicy', () => {
  it('meets the target on the rows it was fitted on and generalises to new rows of the same kind', () => {
    const policy = fitRoutingPolicy(calibratedRows(4000, 1), { targetPrecision: 0.9 });
    expect(policy.fitted.precision).toBeGreaterThanOrEqual(0.9);
    // Calibrated rows: precision of p >= t is about (1 + t) / 2, so t is about 0.8.
    expect(policy.threshold).toBeGreaterThan(0.74);
    expect(policy.threshold).toBeLessThan(0.86);
    const fresh = calibratedRows(4000, 2);
    const routed = fresh.filter((r) => decideRoute(policy, r).route === 'auto');
    expect(routed.filter((r) => r.correct).length / routed.length).toBeGreaterThan(0.88);
    expect(policy.perCategory).toBeUndefined(); // the categories are alike: one threshold is as good
  });

  it('keeps per-category thresholds only when they route measurably more at the target', () => {
    // Category "easy" is right far more often than its probability says; "hard" as it says.
    const random = seededRandom(3);
    const rows: ValidationPrediction[] = Array.from({ length: 4000 }, (_, i) => {
      const probability = 0.3 + 0.7 * random();
      const easy = i % 2 === 0;
      return {
        category: easy ? 'easy' : 'hard',
        probability,
        maxScore: 0,
        margin: 0,
        correct: easy ? random() < 0.99 : random() < probability,
      };
    });
    const policy = fitRoutingPolicy(rows, { targetPrecision: 0.95 });
    expect(policy.fitted.perCategoryNote).toMatch(/added/);
    expect(policy.perCategory).toBeDefined();
    expect(policy.perCategory!.easy!).toBeLessThan(policy.perCategory!.hard!);
    expect(policy.fitted.perCategoryNote).toMatch(/added/);
  });

  it('flags about the asked share of rows as unknown, on the chosen signal', () => {
    const rows = calibratedRows(1000, 4);
    const policy = fitRoutingPolicy(rows, { targetPrecision: 0.9, unknownRate: 0.1, unknownSignal: 'margin' });
    expect(policy.unknown?.signal).toBe('margin');
    const flagged = rows.filter((r) => decideRoute(policy, r).reason === 'unknown').length / rows.length;
    expect(flagged).toBeGreaterThan(0.08);
    expect(flagged).toBeLessThanOrEqual(0.1);
    expect(decideRoute(policy, { category: 'a', probability: 0.99, maxScore: 4, margin: -1 })).toEqual({
      route: 'review',
      reason: 'unknown',
    });
  });

  it('fits the unknown rule for a cost: wrong predictions below the threshold are flagged for free', () => {
    // 100 rows; the 20 lowest-probability rows are wrong, the others right.
    const rows: ValidationPrediction[] = Array.from({ length: 100 }, (_, i) => ({
      category: 'a',
      probability: i / 100,
      maxScore: i,
      margin: 1,
      correct: i >= 20,
    }));
    const rule = fitUnknownRule(rows, 'max-probability', { cost: 0.05 });
    // All 20 wrong rows and 5 right ones: 5% of the rows' accuracy for 25% of them flagged.
    expect(rule.below).toBe(0.25);
    expect(rule.inScopeCost).toBe(0.05);
    expect(rule.inScopeRate).toBe(0.25);
    const byRate = fitUnknownRule(rows, 'max-probability', { rate: 0.05 });
    expect(byRate.below).toBe(0.05);
    expect(byRate.inScopeCost).toBeUndefined();
    // Ties are never split: equal values are flagged together or not at all.
    const tied = rows.map((r) => ({ ...r, probability: Math.floor(r.probability * 10) / 10 }));
    const coarse = fitUnknownRule(tied, 'max-probability', { cost: 0.05 });
    expect(coarse.below).toBe(0.2);
    expect(coarse.inScopeCost).toBe(0);
    // The same cut on plain values (the benchmarks' other signals).
    expect(
      thresholdForCost(
        rows.map((r) => r.probability),
        rows.map((r) => r.correct),
        0.05,
      ),
    ).toBe(rule.below);
    expect(
      thresholdForCost(
        tied.map((r) => r.probability),
        tied.map((r) => r.correct),
        0.05,
      ),
    ).toBe(coarse.below);
    // A cost in the policy wins over a rate.
    const policy = fitRoutingPolicy(rows, {
      targetPrecision: 0.9,
      unknownRate: 0.5,
      unknownCost: 0.05,
      unknownSignal: 'max-probability',
    });
    expect(policy.unknown).toEqual(rule);
  });

  it('re-fits the threshold of another target from the stored curve', () => {
    const rows = calibratedRows(4000, 5);
    const at90 = fitRoutingPolicy(rows, { targetPrecision: 0.9 });
    const at80 = retarget(at90, 0.8);
    expect(at80.threshold).toBeLessThan(at90.threshold);
    expect(at80.fitted.coverage).toBeGreaterThan(at90.fitted.coverage);
    expect(at80.fitted.precision).toBeGreaterThanOrEqual(0.8);
    // The same target gives (about) the same threshold, to the curve's resolution.
    expect(Math.abs(retarget(at90, 0.9).threshold - at90.threshold)).toBeLessThan(0.002);
  });
});

describe('expectedCalibrationError', () => {
  it('is 0 for perfectly calibrated bins and the gap otherwise', () => {
    // 10 rows at 0.8, 8 right: calibrated.
    const p = new Array(10).fill(0.8);
    expect(expectedCalibrationError(p, [...new Array(8).fill(true), false, false])).toBeCloseTo(0, 12);
    // All at 0.9, half right: gap 0.4.
    expect(
      expectedCalibrationError(
        new Array(10).fill(0.9),
        new Array(10).fill(false).map((_, i) => i < 5),
      ),
    ).toBeCloseTo(0.4, 12);
  });

  it('weighs each of the 15 bins by its share of rows', () => {
    // 3 rows at 0.95 all right (gap 0.05), 1 row at 0.5 wrong (gap 0.5): (3 * 0.05 + 0.5) / 4.
    expect(expectedCalibrationError([0.95, 0.95, 0.95, 0.5], [true, true, true, false])).toBeCloseTo(0.1625, 12);
    // 0.34 and 0.32 fall in different bins of width 1/15 ((0.2667, 0.3333] and (0.3333, 0.4]).
    expect(expectedCalibrationError([0.34, 0.32], [true, false])).toBeCloseTo((0.66 + 0.32) / 2, 12);
  });
});

describe('evaluatePredictions', () => {
  const labels = ['a', 'b'];
  it('reports coverage and the precision of automatic routes, overall and per category', () => {
    const m = routingMetrics(
      [
        { actual: 'a', category: 'a', probability: 0.9, route: 'auto' },
        { actual: 'a', category: 'b', probability: 0.9, route: 'auto' },
        { actual: 'b', category: 'b', probability: 0.4, route: 'review', reason: 'low-confidence' },
        { actual: 'b', category: 'b', probability: 0.9, route: 'auto' },
      ],
      labels,
    );
    expect(m.coverage).toBe(0.75);
    expect(m.autoPrecision).toBeCloseTo(2 / 3, 12);
    expect(m.perCategory).toEqual([
      { label: 'a', support: 2, coverage: 1, autoRouted: 1, autoPrecision: 1 },
      { label: 'b', support: 2, coverage: 0.5, autoRouted: 2, autoPrecision: 0.5 },
    ]);
  });

  it('scores unknown tickets: in-scope accuracy, unknown recall and precision', () => {
    const e = evaluatePredictions(
      [
        { actual: 'a', category: 'a', probability: 0.9, route: 'auto' }, // in scope, right
        { actual: 'a', category: 'a', probability: 0.3, route: 'review', reason: 'unknown' }, // right but flagged unknown
        { actual: 'b', category: 'a', probability: 0.5, route: 'review', reason: 'low-confidence' }, // wrong
        { actual: 'new', category: 'b', probability: 0.2, route: 'review', reason: 'unknown' }, // caught
        { actual: 'new', category: 'a', probability: 0.95, route: 'auto' }, // missed, routed wrongly
      ],
      { labels, unknownLabel: 'unknown' },
    );
    expect(e.openSet).toEqual({
      unknownLabel: 'unknown',
      inScopeRows: 3,
      unknownRows: 2,
      closedSetAccuracy: 2 / 3,
      inScopeAccuracy: 1 / 3,
      unknownRecall: 0.5,
      unknownPrecision: 0.5,
    });
    expect(e.routing.coverage).toBe(0.4);
    expect(e.routing.autoPrecision).toBe(0.5);
    expect(e.labels).toContain('unknown');
  });
});

describe('chooseHeldOutCategories', () => {
  const labels = Array.from({ length: 20 }, (_, i) => `c${i}`);
  it('draws the same categories for the same seed, others for another', () => {
    const a = chooseHeldOutCategories([...labels, ...labels], 5, 1);
    expect(a).toHaveLength(5);
    expect(new Set(a).size).toBe(5);
    expect(chooseHeldOutCategories([...labels].reverse(), 5, 1)).toEqual(a);
    expect(chooseHeldOutCategories(labels, 5, 2)).not.toEqual(a);
  });
  it('leaves at least two categories to train on', () => {
    expect(() => chooseHeldOutCategories(['a', 'b', 'c'], 2, 1)).toThrow(/at least 2 categories left/);
  });
});

describe('explainInWords', () => {
  it('shares character n-grams out among the words that contain them, boundaries included', () => {
    const explained = explainInWords(
      [
        { term: 'printer jam', weight: 0.5, char: false },
        { term: ' pr', weight: 0.4, char: true }, // starts "printer" only
        { term: 'er', weight: 0.2, char: true }, // in "printer" and "paper": 0.1 each
        { term: 'am ', weight: 0.3, char: true }, // ends "jam"
        { term: 'zz', weight: 9, char: true }, // in no word
      ],
      ['printer', 'jam', 'paper', 'printer'],
      3,
    );
    expect(explained.map((e) => e.term)).toEqual(['printer jam', 'printer', 'jam']);
    expect(explained[1]!.weight).toBeCloseTo(0.5, 12);
    expect(explained[2]!.weight).toBeCloseTo(0.3, 12);
  });
});
