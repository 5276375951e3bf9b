import { describe, expect, it } from 'vitest';
import {
  FEEDBACK_HISTORY_LIMIT,
  feedbackStats,
  historyAfter,
  nextFeedbackAt,
  resolveFeedback,
  undoOf,
  type Feedback,
  type JudgedTicket,
} from '../../../src/feedback/rules.ts';

const classified: JudgedTicket = { ticketId: 'T-1', status: 'classified', category: 'Hardware', modelVersion: 'v1' };
const failed: JudgedTicket = { ticketId: 'T-2', status: 'failed' };
const KNOWN = ['Access', 'Hardware', 'Purchase'];
const AT = '2026-11-28T10:00:00.000Z';
const verdict = (category: string, at: string): Feedback => ({ verdict: 'corrected', category, at });

describe('what a verdict amounts to', () => {
  it('a confirmation names the predicted category, the model that made it, and who', () => {
    expect(resolveFeedback(classified, { verdict: 'confirmed', by: ' ana ' }, KNOWN, AT)).toEqual({
      verdict: 'confirmed',
      category: 'Hardware',
      predictedCategory: 'Hardware',
      modelVersion: 'v1',
      by: 'ana',
      at: AT,
    });
  });

  it.each([
    [
      'confirming a failed classification',
      failed,
      { verdict: 'confirmed' as const },
      'InvalidFeedback',
      /nothing to confirm/,
    ],
    [
      'confirming with another category',
      classified,
      { verdict: 'confirmed' as const, category: 'Access' },
      'InvalidFeedback',
      /send verdict "corrected"/,
    ],
    [
      'correcting to the predicted category',
      classified,
      { verdict: 'corrected' as const, category: 'Hardware' },
      'InvalidFeedback',
      /send verdict "confirmed"/,
    ],
    [
      'correcting without a category',
      classified,
      { verdict: 'corrected' as const },
      'InvalidFeedback',
      /needs the right category/,
    ],
    ['an empty category', classified, { verdict: 'corrected' as const, category: '  ' }, 'InvalidFeedback', /empty/],
    [
      'a category the model does not know',
      classified,
      { verdict: 'corrected' as const, category: 'Network' },
      'UnknownCategory',
      /allowNewCategory/,
    ],
  ])('refuses %s (%s)', (_, ticket, input, code, message) => {
    expect(() => resolveFeedback(ticket, input, KNOWN, AT)).toThrow(
      expect.objectContaining({ code, message: expect.stringMatching(message) }),
    );
  });

  it('accepts a new category when allowed, and says so', () => {
    const feedback = resolveFeedback(
      failed,
      { verdict: 'corrected', category: 'Network', allowNewCategory: true },
      KNOWN,
      AT,
    );
    expect(feedback).toEqual({ verdict: 'corrected', category: 'Network', at: AT, newCategory: true });
  });
});

describe('verdicts over time', () => {
  it('feedbackAt only grows, even when the clock goes back', () => {
    expect(nextFeedbackAt(new Date(AT), undefined)).toBe(AT);
    expect(nextFeedbackAt(new Date('2026-11-28T09:00:00Z'), AT)).toBe('2026-11-28T10:00:00.001Z');
    expect(nextFeedbackAt(new Date('2026-11-28T11:00:00Z'), AT)).toBe('2026-11-28T11:00:00.000Z');
  });

  it('a new verdict pushes the current one onto a bounded history, newest first', () => {
    const history = Array.from({ length: FEEDBACK_HISTORY_LIMIT }, (_, i) => verdict(`C${i}`, AT));
    const next = historyAfter({ feedback: verdict('NOW', AT), feedbackHistory: history });
    expect(next).toHaveLength(FEEDBACK_HISTORY_LIMIT);
    expect(next[0]!.category).toBe('NOW');
    expect(next.at(-1)!.category).toBe(`C${FEEDBACK_HISTORY_LIMIT - 2}`);
    expect(historyAfter({})).toEqual([]);
  });

  it('undo restores the verdict before, only if the current one is still the one named', () => {
    const state = {
      feedback: verdict('B', '2026-11-28T10:00:02.000Z'),
      feedbackHistory: [verdict('A', AT)],
      feedbackAt: '2026-11-28T10:00:02.000Z',
    };
    expect(undoOf('T-1', state, { at: '2026-11-28T10:00:02.000Z' })).toEqual({
      undone: state.feedback,
      restored: state.feedbackHistory[0],
      older: [],
    });
    expect(() => undoOf('T-1', state, { at: AT })).toThrow(
      expect.objectContaining({ code: 'Conflict', message: expect.stringMatching(/changed since/) }),
    );
    expect(() => undoOf('T-1', {})).toThrow(/no feedback to undo/);
    expect(undoOf('T-1', { ...state, feedbackHistory: [] })).toEqual({ undone: state.feedback, older: [] });
  });

  it("counts today's feedback and the agreement rate", () => {
    const stats = feedbackStats(
      [
        { verdict: 'confirmed', feedbackAt: '2026-11-28T08:00:00Z' },
        { verdict: 'corrected', feedbackAt: '2026-11-28T09:00:00Z' },
        { verdict: 'confirmed', feedbackAt: '2026-11-27T09:00:00Z' },
      ],
      new Date('2026-11-28T12:00:00Z'),
    );
    expect(stats).toEqual({
      day: '2026-11-28',
      reviewedToday: 2,
      confirmedToday: 1,
      total: 3,
      confirmed: 2,
      corrected: 1,
      agreementRate: 2 / 3,
      agreementRateToday: 0.5,
    });
    expect(feedbackStats([], new Date()).agreementRate).toBeNull();
  });
});
