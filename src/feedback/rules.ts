import { TriageError } from '../errors.ts';

/**
 * The rules of feedback, apart from where it is stored
 * (src/storage/feedback.ts keeps it on the ticket's DynamoDB item): what a
 * person's verdict amounts to, or why it cannot be accepted; how verdicts
 * replace one another and are taken back; and what the review page counts.
 * Pure: no I/O; the store calls these with the ticket as it is now.
 */

/** How many replaced verdicts a ticket keeps. */
export const FEEDBACK_HISTORY_LIMIT = 10;

export type Verdict = 'confirmed' | 'corrected';

export interface Feedback {
  readonly verdict: Verdict;
  /** The right category (the predicted one when confirmed). */
  readonly category: string;
  /** What the model had predicted (absent when the classification failed). */
  readonly predictedCategory?: string;
  /** The model that made that prediction. */
  readonly modelVersion?: string;
  /** Who gave it, when known (the API takes it from the caller's token, else from the request). */
  readonly by?: string;
  readonly at: string;
  /** The category was unknown to the model in service and accepted with `allowNewCategory`. */
  readonly newCategory?: boolean;
}

/** The part of a ticket a verdict is checked against. */
export interface JudgedTicket {
  readonly ticketId: string;
  readonly status: 'classified' | 'failed';
  readonly category?: string;
  readonly modelVersion?: string;
}

export interface FeedbackInput {
  readonly verdict: Verdict;
  /** Required when correcting; when confirming it may repeat the predicted category. */
  readonly category?: string;
  readonly by?: string;
  /**
   * Accept a category the model in service does not know. It is not predicted
   * before the next retraining, which learns it from this feedback; from then
   * on it is in every later model, since every retraining uses all feedback.
   */
  readonly allowNewCategory?: boolean;
}

/** Feedback that cannot be accepted; its code says why (and so the API's status, see src/errors.ts). */
export class FeedbackError extends TriageError {
  override readonly name: string = 'FeedbackError';
  declare readonly code: 'UnknownTicket' | 'UnknownCategory' | 'InvalidFeedback' | 'Conflict';
  constructor(message: string, code: 'UnknownTicket' | 'UnknownCategory' | 'InvalidFeedback' | 'Conflict') {
    super(message, code);
  }
}

export class UnknownTicketError extends FeedbackError {
  override readonly name = 'UnknownTicketError';
  constructor(ticketId: string) {
    super(
      `there is no ticket "${ticketId}": feedback can only be given on a ticket that was classified (or failed to be)`,
      'UnknownTicket',
    );
  }
}

export class UnknownCategoryError extends FeedbackError {
  override readonly name = 'UnknownCategoryError';
  constructor(category: string, known: readonly string[]) {
    super(
      `the model does not know the category "${category}" (it knows: ${known.join(', ')}); ` +
        'check the spelling, or allow a new category (API: "allowNewCategory": true; CLI: --allow-new-category): it is learnt at the next retraining',
      'UnknownCategory',
    );
  }
}

/**
 * The feedback a person's input amounts to, or why it cannot be accepted.
 * Pure: the store calls it with the ticket as it is now.
 */
export function resolveFeedback(
  ticket: JudgedTicket,
  input: FeedbackInput,
  knownCategories: readonly string[],
  at: string,
): Feedback {
  const category = input.category?.trim();
  if (input.category !== undefined && !category) throw new FeedbackError('the category is empty', 'InvalidFeedback');
  const predicted = ticket.status === 'classified' ? ticket.category : undefined;
  const by = input.by?.trim() || undefined;
  const common = {
    ...(predicted !== undefined && { predictedCategory: predicted }),
    ...(ticket.modelVersion && { modelVersion: ticket.modelVersion }),
    ...(by && { by }),
    at,
  };
  if (input.verdict === 'confirmed') {
    if (predicted === undefined) {
      throw new FeedbackError(
        `ticket ${ticket.ticketId} was not classified (its classification failed): there is nothing to confirm; give the right category instead`,
        'InvalidFeedback',
      );
    }
    if (category !== undefined && category !== predicted) {
      throw new FeedbackError(
        `confirming means the predicted category "${predicted}" is right, but the request names "${category}"; send verdict "corrected" to change it`,
        'InvalidFeedback',
      );
    }
    return { verdict: 'confirmed', category: predicted, ...common };
  }
  if (category === undefined) throw new FeedbackError('a correction needs the right category', 'InvalidFeedback');
  if (category === predicted) {
    throw new FeedbackError(
      `"${category}" is the category the model predicted; send verdict "confirmed" to confirm it`,
      'InvalidFeedback',
    );
  }
  const known = knownCategories.includes(category);
  if (!known && !input.allowNewCategory) throw new UnknownCategoryError(category, knownCategories);
  return { verdict: 'corrected', category, ...common, ...(!known && { newCategory: true }) };
}

export interface FeedbackStats {
  /** The UTC day `reviewedToday` counts. */
  readonly day: string;
  readonly reviewedToday: number;
  readonly confirmedToday: number;
  readonly total: number;
  readonly confirmed: number;
  readonly corrected: number;
  /** Share of feedback that confirmed the prediction (null without feedback). */
  readonly agreementRate: number | null;
  readonly agreementRateToday: number | null;
}

/** A ticket's feedback as it stands: the current verdict, the ones it replaced (newest first), and when. */
export interface FeedbackState {
  readonly feedback?: Feedback;
  readonly feedbackHistory?: readonly Feedback[];
  readonly feedbackAt?: string;
}

/**
 * When a verdict given at `now` is recorded: `feedbackAt` only grows for a
 * ticket (retraining's watermark relies on it), so a clock that went back
 * records it a millisecond after the previous one.
 */
export function nextFeedbackAt(now: Date, previousAt: string | undefined): string {
  const at = now.toISOString();
  return previousAt !== undefined && at <= previousAt ? new Date(Date.parse(previousAt) + 1).toISOString() : at;
}

/** The history after a new verdict replaces the current one (bounded, newest first). */
export const historyAfter = (state: FeedbackState): Feedback[] =>
  state.feedback ? [state.feedback, ...(state.feedbackHistory ?? [])].slice(0, FEEDBACK_HISTORY_LIMIT) : [];

/**
 * Taking back a ticket's current verdict (the review page's undo): the verdict
 * it replaced becomes current again (`restored`, with the history before it
 * in `older`), or, when there was none, the ticket has no feedback any more.
 * With `at`, only if the current verdict is still the one given at `at`.
 */
export function undoOf(
  ticketId: string,
  state: FeedbackState,
  options: { at?: string } = {},
): { undone: Feedback; restored?: Feedback; older: Feedback[] } {
  const current = state.feedback;
  if (!current || state.feedbackAt === undefined)
    throw new FeedbackError(`ticket ${ticketId} has no feedback to undo`, 'Conflict');
  if (options.at !== undefined && current.at !== options.at) {
    throw new FeedbackError(
      `the feedback of ticket ${ticketId} changed since (now "${current.category}", given ${current.at}${current.by ? ` by ${current.by}` : ''}); nothing was undone`,
      'Conflict',
    );
  }
  const [restored, ...older] = state.feedbackHistory ?? [];
  return { undone: current, ...(restored && { restored }), older };
}

/** The review page's counts over every ticket's current verdict, for the UTC day of `now`. */
export function feedbackStats(
  items: Iterable<{ readonly verdict?: Verdict; readonly feedbackAt: string }>,
  now: Date,
): FeedbackStats {
  const day = now.toISOString().slice(0, 10);
  let total = 0;
  let confirmed = 0;
  let reviewedToday = 0;
  let confirmedToday = 0;
  for (const item of items) {
    const isConfirmed = item.verdict === 'confirmed';
    total += 1;
    if (isConfirmed) confirmed += 1;
    if (item.feedbackAt.startsWith(day)) {
      reviewedToday += 1;
      if (isConfirmed) confirmedToday += 1;
    }
  }
  return {
    day,
    reviewedToday,
    confirmedToday,
    total,
    confirmed,
    corrected: total - confirmed,
    agreementRate: total === 0 ? null : confirmed / total,
    agreementRateToday: reviewedToday === 0 ? null : confirmedToday / reviewedToday,
  };
}
