import { describe, expect, it } from 'vitest';
import { feedbackHashPosition, feedbackSplitOf } from '../../../src/retraining/holdout.ts';

const ids = Array.from({ length: 20_000 }, (_, i) => `T-${i}`);

describe('the feedback holdout slice', () => {
  it('is a function of the ticket id alone (same answer every time, in any order)', () => {
    const first = ids.map((id) => feedbackSplitOf(id, 0.2));
    const again = [...ids]
      .reverse()
      .map((id) => feedbackSplitOf(id, 0.2))
      .reverse();
    expect(again).toEqual(first);
    expect(feedbackSplitOf('INC-0042', 0.2)).toBe(feedbackSplitOf('INC-0042', 0.2));
  });

  it('holds out about the configured share', () => {
    for (const share of [0.1, 0.2, 0.5]) {
      const held = ids.filter((id) => feedbackSplitOf(id, share) === 'holdout').length / ids.length;
      expect(Math.abs(held - share)).toBeLessThan(0.015);
    }
  });

  it('is stable as feedback grows and nested as the share grows', () => {
    const small = new Set(ids.filter((id) => feedbackSplitOf(id, 0.1) === 'holdout'));
    const large = new Set(ids.filter((id) => feedbackSplitOf(id, 0.2) === 'holdout'));
    for (const id of small) expect(large.has(id)).toBe(true);
    // Adding tickets never moves an existing one.
    expect(feedbackSplitOf('T-7', 0.2)).toBe(feedbackSplitOf('T-7', 0.2));
  });

  it('holds out nothing at share 0 and refuses shares outside [0, 1)', () => {
    expect(ids.some((id) => feedbackSplitOf(id, 0) === 'holdout')).toBe(false);
    expect(() => feedbackSplitOf('x', 1)).toThrow(/\[0, 1\)/);
    expect(() => feedbackSplitOf('x', -0.1)).toThrow();
  });

  it('spreads ids over [0, 1)', () => {
    const positions = ids.map(feedbackHashPosition);
    expect(Math.min(...positions)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...positions)).toBeLessThan(1);
  });
});
