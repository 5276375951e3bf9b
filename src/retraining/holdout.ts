import { createHash } from 'node:crypto';

/**
 * Which feedback is kept out of training. A ticket's share of the hash space
 * decides, so the choice is deterministic (the same tickets in every run, on
 * every machine), independent of the order feedback arrived in, and stable as
 * feedback grows: a ticket held out once is held out in every later retrain,
 * so no candidate is ever judged on a ticket it (or its parent) trained on.
 */
export type FeedbackSplit = 'train' | 'holdout';

const NAMESPACE = 'ticket-triage/feedback-holdout/v1:';

/** The ticket's position in [0, 1), from the sha256 of its id. */
export function feedbackHashPosition(ticketId: string): number {
  const digest = createHash('sha256')
    .update(NAMESPACE + ticketId)
    .digest();
  return digest.readUInt32BE(0) / 2 ** 32;
}

/** `holdout` for about `share` of ticket ids (0 = none, 0.9 at most), `train` for the rest. */
export function feedbackSplitOf(ticketId: string, share: number): FeedbackSplit {
  if (!(share >= 0 && share < 1)) throw new RangeError(`the holdout share must be in [0, 1), not ${share}`);
  return feedbackHashPosition(ticketId) < share ? 'holdout' : 'train';
}
