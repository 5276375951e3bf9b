import { describe, expect, it } from 'vitest';
import { newestFeedback } from '../../../src/retraining/retrain.ts';

const row = (ticketId: string, feedbackAt: string) => ({ ticketId, feedbackAt, text: ticketId, label: 'x' });
const rows = [
  row('T-1', '2026-11-01T00:00:00.000Z'),
  row('T-2', '2026-11-03T00:00:00.000Z'),
  row('T-3', '2026-11-02T00:00:00.000Z'),
  row('T-4', '2026-11-03T00:00:00.000Z'),
  row('T-5', '2026-10-30T00:00:00.000Z'),
];

describe('newestFeedback (RETRAIN_MAX_ROWS)', () => {
  it('keeps everything when there is room', () => {
    expect(newestFeedback(rows, 5)).toEqual({ feedback: rows, dropped: 0 });
    expect(newestFeedback(rows, Infinity).dropped).toBe(0);
  });

  it('keeps the most recent feedback (ties by ticket id, the later first), in snapshot order', () => {
    const { feedback, dropped } = newestFeedback(rows, 3);
    expect(feedback.map((r) => r.ticketId)).toEqual(['T-2', 'T-3', 'T-4']);
    expect(dropped).toBe(2);
    expect(newestFeedback(rows, 1).feedback.map((r) => r.ticketId)).toEqual(['T-4']);
    expect(newestFeedback(rows, 0)).toEqual({ feedback: [], dropped: 5 });
  });
});
