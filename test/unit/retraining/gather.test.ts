import { describe, expect, it } from 'vitest';
import type { Feedback } from '../../../src/feedback/rules.ts';
import { gatherFeedback } from '../../../src/retraining/gather.ts';
import { parseSnapshot } from '../../../src/retraining/snapshot.ts';
import type { FeedbackEntry } from '../../../src/storage/feedback.ts';
import { feedbackEntries, InMemoryObjects, InMemoryRegistry, modelRecord } from '../../support/fakes.ts';

const entry = (ticketId: string, category: string, at: string): FeedbackEntry => {
  const feedback: Feedback = { verdict: 'corrected', category, predictedCategory: 'Hardware', at };
  return { ticketId, text: `ticket ${ticketId}`, feedback, feedbackAt: at };
};

const ENTRIES = [
  entry('T-3', 'Access', '2026-11-28T10:00:03.000Z'),
  entry('T-1', 'Access', '2026-11-28T10:00:01.000Z'),
  entry('T-2', 'Purchase', '2026-11-28T10:00:02.000Z'),
];

describe('gathering feedback for a retraining', () => {
  it('writes a snapshot of all feedback, in ticket order, when enough is new since the last judged candidate', async () => {
    const objects = new InMemoryObjects();
    const registry = new InMemoryRegistry([
      // Judged: its watermark counts. A failed run's does not.
      modelRecord('v1', { status: 'rejected', feedbackWatermark: '2026-11-28T10:00:01.000Z' }),
      modelRecord('v0', { status: 'failed', feedbackWatermark: '2026-11-28T10:00:02.000Z' }),
    ]);
    const result = await gatherFeedback(
      { feedback: feedbackEntries(ENTRIES), registry, store: objects },
      { executionName: 'retrain-1', minNewFeedback: 2, holdoutShare: 0, now: new Date('2026-11-29T03:00:00Z') },
    );
    expect(result).toMatchObject({
      enough: true,
      total: 3,
      newSinceWatermark: 2,
      previousWatermark: '2026-11-28T10:00:01.000Z',
      watermark: '2026-11-28T10:00:03.000Z',
      trainRows: 3,
      holdoutRows: 0,
      snapshotKey: 'feedback/snapshots/20261129T030000Z-retrain-1.jsonl',
    });
    const rows = parseSnapshot(objects.text(result.snapshotKey!)!, result.snapshotKey!);
    expect(rows.map((r) => [r.ticketId, r.label, r.split])).toEqual([
      ['T-1', 'Access', 'train'],
      ['T-2', 'Purchase', 'train'],
      ['T-3', 'Access', 'train'],
    ]);
  });

  it('skips, writing nothing, when too little is new', async () => {
    const objects = new InMemoryObjects();
    const result = await gatherFeedback(
      { feedback: feedbackEntries(ENTRIES), registry: new InMemoryRegistry(), store: objects },
      { executionName: 'retrain-2', minNewFeedback: 4, holdoutShare: 0.2 },
    );
    expect(result).toMatchObject({ enough: false, snapshotKey: null, newSinceWatermark: 3, minNewFeedback: 4 });
    expect(result.reason).toMatch(/^skipped: not enough new feedback \(3 new so far; a retraining needs at least 4\)/);
    expect(objects.objects.size).toBe(0);
  });
});
