import { describe, expect, it } from 'vitest';
import { feedbackHashPosition, feedbackSplitOf } from '../../../src/retraining/holdout.ts';

const ids = Array.from({ length: 20_000 }, (_, i) => `T-${i}`);

describe('the feedback holdout slice', () => {
  it('is a function of the ticket id alone, the same on every machine and in every version', () => {
    // Pinned: sha256('ticket-triage/feedback-holdout/v1:' + id), first 4 bytes / 2^32. A change of the hash or its
    // namespace would move tickets between the training and the holdout slices of earlier retrainings.
    expect(feedbackHashPosition('INC-0042')).toBeCloseTo(0.8103865913581103, 12);
    expect(feedbackHashPosition('T-7')).toBeCloseTo(0.4030371594708413, 12);
    expect(feedbackHashPosition('T-3')).toBeCloseTo(0.13827780005522072, 12);
    expect(['INC-0042', 'T-7', 'T-3', 'T-0'].map((id) => feedbackSplitOf(id, 0.2))).toEqual([
      'train',
      'train',
      'holdout',
      'train',
    ]);
    expect(['INC-0042', 'T-7', 'T-3', 'T-0'].map((id) => feedbackSplitOf(id, 0.5))).toEqual([
      'train',
      'holdout',
      'holdout',
      'train',
    ]);
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
    expect(large.size).toBeGreaterThan(small.size);
    // Adding tickets never moves an existing one: the slice of the first 1,000 is the same among 20,000.
    const first = ids.slice(0, 1000);
    const alone = new Set(first.filter((id) => feedbackSplitOf(id, 0.2) === 'holdout'));
    expect(first.filter((id) => large.has(id))).toEqual([...alone]);
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
