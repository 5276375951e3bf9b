import { describe, expect, it } from 'vitest';
import { PROFILES, seededRandom, stratifiedHoldouts, trainModel } from '../../../src/model/index.ts';

describe('stratifiedHoldouts', () => {
  const y = Int32Array.from([...new Array(50).fill(0), ...new Array(20).fill(1), 2, 2, 3]);
  const folds = stratifiedHoldouts(y, 4, 0.1, 2, 1);

  it('gives disjoint folds of about the share of every class', () => {
    const all = folds.flatMap((f) => Array.from(f));
    expect(new Set(all).size).toBe(all.length);
    for (const fold of folds) {
      expect(Array.from(fold).filter((r) => y[r] === 0)).toHaveLength(5);
      expect(Array.from(fold).filter((r) => y[r] === 1)).toHaveLength(2);
    }
  });

  it('leaves every class at least one row to fit on', () => {
    const held = new Set(folds.flatMap((f) => Array.from(f)));
    for (const c of [0, 1, 2, 3]) expect(Array.from(y.keys()).some((r) => y[r] === c && !held.has(r))).toBe(true);
    expect(Array.from(folds[0]!).filter((r) => y[r] === 2)).toHaveLength(1);
    expect(Array.from(folds[1]!).filter((r) => y[r] === 2)).toHaveLength(0); // only 2 rows: one stays
  });

  it('takes a million rows of one class (no spread of a million arguments: it overflows the stack)', () => {
    const many = new Int32Array(2_000_000);
    const [fold] = stratifiedHoldouts(many, 1, 0.5, 1, 1);
    expect(fold).toHaveLength(1_000_000);
  });
});

describe('trainModel routing', async () => {
  // Three topics; a fifth of the rows are noise (random topic words): the model is not always right.
  const topics = [
    ['printer', 'toner', 'paper', 'jam', 'scanner', 'screen', 'laptop'],
    ['password', 'account', 'login', 'locked', 'access', 'vpn', 'reset'],
    ['invoice', 'order', 'purchase', 'quote', 'supplier', 'licence', 'buy'],
  ];
  const random = seededRandom(5);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
  const texts: string[] = [];
  const labels: string[] = [];
  for (let i = 0; i < 900; i++) {
    const label = i % 3;
    texts.push(Array.from({ length: 6 }, () => pick(random() < 0.6 ? topics[label]! : pick(topics))).join(' '));
    labels.push(['Hardware', 'Access', 'Purchase'][label]!);
  }
  const model = await trainModel({ texts, labels, profile: PROFILES['linear-svm'], targetPrecision: 0.9 });

  it('fits the threshold on two validation folds the model was not fitted on, for the target', () => {
    expect(model.validation.rows).toBe(180); // 2 folds of 10%
    expect(model.routing.targetPrecision).toBe(0.9);
    expect(model.routing.fitted.rows).toBe(180);
    expect(model.routing.fitted.precision).toBeGreaterThanOrEqual(0.9);
    expect(model.routing.threshold).toBeGreaterThan(0.34);
    expect(model.routing.threshold).toBeLessThan(1);
    expect(model.classifier.routing).toBe(model.routing);
    expect(model.parameters.threshold).toBe(model.routing.threshold);
  });

  it('a higher target gives a higher threshold; an unknown rate gives an unknown rule', async () => {
    const stricter = await trainModel({ texts, labels, profile: PROFILES['linear-svm'], targetPrecision: 0.99 });
    expect(stricter.routing.threshold).toBeGreaterThan(model.routing.threshold);
    expect(model.routing.unknown).toBeUndefined();
    const open = await trainModel({ texts, labels, profile: PROFILES['linear-svm'], unknownRate: 0.1 });
    expect(open.routing.unknown?.signal).toBe('max-score');
    expect(open.routing.unknown?.inScopeRate).toBeLessThanOrEqual(0.1);
    expect(open.routing.unknown?.inScopeRate).toBeGreaterThan(0.05);
  });

  it("keeps the validation rows' score vectors only when asked, aligned with the validation predictions", async () => {
    expect(model.validationScores).toBeUndefined();
    const kept = await trainModel({ texts, labels, profile: PROFILES['linear-svm'], keepValidationScores: true });
    const { scores, rows } = kept.validationScores!;
    expect(scores).toHaveLength(kept.validationPredictions.length);
    expect(rows).toHaveLength(kept.validationPredictions.length);
    expect(new Set(rows).size).toBe(rows.length);
    kept.validationPredictions.forEach((p, i) => {
      const s = scores[i]!;
      const best = s.indexOf(Math.max(...s));
      expect(kept.classifier.labels[best]).toBe(p.category);
      expect(s[best]).toBeCloseTo(p.maxScore, 12);
      expect(p.correct).toBe(labels[rows[i]!] === p.category);
    });
  });
});
