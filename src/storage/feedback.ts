import { GetCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { TriageError } from '../errors.ts';
import { isAwsError } from '../aws/errors.ts';
import type { TicketRecord } from './predictions.ts';

/**
 * Feedback lives on the ticket's item in the predictions table (one item per
 * ticket): the current verdict in `feedback`, the ones it replaced in
 * `feedbackHistory` (newest first, at most FEEDBACK_HISTORY_LIMIT), and
 * `feedbackListKey` + `feedbackAt`, the keys of the sparse `feedback` index,
 * which therefore holds exactly the tickets that have feedback, by when it was
 * last given. Retraining reads that index.
 */
export const FEEDBACK_INDEX = 'feedback';
/** The constant partition key of the `feedback` index. */
export const FEEDBACK_LIST_KEY = 'feedback';
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

/** The feedback attributes of a ticket's item. */
export interface FeedbackFields {
  readonly feedback?: Feedback;
  /** Verdicts this one replaced, newest first. */
  readonly feedbackHistory?: readonly Feedback[];
  readonly feedbackAt?: string;
  readonly feedbackListKey?: typeof FEEDBACK_LIST_KEY;
}

export type ReviewedTicket = TicketRecord & FeedbackFields;

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
  ticket: Pick<TicketRecord, 'ticketId' | 'status' | 'category' | 'modelVersion'>,
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

/** One ticket's feedback as retraining reads it. */
export interface FeedbackEntry {
  readonly ticketId: string;
  readonly text: string;
  readonly feedback: Feedback;
  readonly feedbackAt: string;
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

const MAX_WRITE_ATTEMPTS = 4;

export class FeedbackStore {
  constructor(
    readonly documents: DynamoDBDocumentClient,
    readonly table: string,
  ) {}

  async get(ticketId: string): Promise<ReviewedTicket | undefined> {
    const { Item } = await this.documents.send(
      new GetCommand({ TableName: this.table, Key: { ticketId }, ConsistentRead: true }),
    );
    return Item as ReviewedTicket | undefined;
  }

  /**
   * Records a person's verdict on a ticket, replacing an earlier one (which
   * moves to the bounded history). The write is conditional on the ticket's
   * feedback being what was read, so two reviewers at once cannot lose a verdict.
   */
  async submit(
    ticketId: string,
    input: FeedbackInput,
    knownCategories: readonly string[],
    now: () => Date = () => new Date(),
  ): Promise<{ feedback: Feedback; replaced?: Feedback }> {
    for (let attempt = 1; ; attempt++) {
      // Only what the verdict is checked against (not the text, explanation, ...).
      const { Item } = await this.documents.send(
        new GetCommand({
          TableName: this.table,
          Key: { ticketId },
          ConsistentRead: true,
          ProjectionExpression: '#id, #status, #category, #model, #feedback, #history, #at',
          ExpressionAttributeNames: {
            '#id': 'ticketId',
            '#status': 'status',
            '#category': 'category',
            '#model': 'modelVersion',
            '#feedback': 'feedback',
            '#history': 'feedbackHistory',
            '#at': 'feedbackAt',
          },
        }),
      );
      const ticket = Item as
        | (Pick<ReviewedTicket, 'ticketId' | 'status' | 'category' | 'modelVersion'> & FeedbackFields)
        | undefined;
      if (!ticket) throw new UnknownTicketError(ticketId);
      let at = now().toISOString();
      // feedbackAt only grows for a ticket (the watermark of retraining relies on it).
      if (ticket.feedbackAt && at <= ticket.feedbackAt) at = new Date(Date.parse(ticket.feedbackAt) + 1).toISOString();
      const feedback = resolveFeedback(ticket, input, knownCategories, at);
      const history = ticket.feedback
        ? [ticket.feedback, ...(ticket.feedbackHistory ?? [])].slice(0, FEEDBACK_HISTORY_LIMIT)
        : [];
      try {
        await this.documents.send(
          new UpdateCommand({
            TableName: this.table,
            Key: { ticketId },
            UpdateExpression: 'SET #feedback = :feedback, #history = :history, #at = :at, #list = :list',
            ConditionExpression:
              ticket.feedbackAt === undefined
                ? 'attribute_exists(#id) AND attribute_not_exists(#at)'
                : 'attribute_exists(#id) AND #at = :previous',
            ExpressionAttributeNames: {
              '#id': 'ticketId',
              '#feedback': 'feedback',
              '#history': 'feedbackHistory',
              '#at': 'feedbackAt',
              '#list': 'feedbackListKey',
            },
            ExpressionAttributeValues: {
              ':feedback': feedback,
              ':history': history,
              ':at': at,
              ':list': FEEDBACK_LIST_KEY,
              ...(ticket.feedbackAt !== undefined && { ':previous': ticket.feedbackAt }),
            },
          }),
        );
      } catch (error) {
        if (!isAwsError(error, 'ConditionalCheckFailedException')) throw error;
        if (attempt >= MAX_WRITE_ATTEMPTS)
          throw new FeedbackError(
            `the feedback of ticket ${ticketId} kept changing while it was being written; try again`,
            'Conflict',
          );
        continue;
      }
      return { feedback, ...(ticket.feedback && { replaced: ticket.feedback }) };
    }
  }

  /**
   * Takes back a ticket's current verdict (the review page's undo): the verdict
   * it replaced becomes current again, or, when there was none, the ticket has
   * no feedback any more. With `at`, only if the current verdict is still the
   * one given at `at` (someone else's later verdict is never taken back).
   * `feedbackAt` still only grows when a verdict is restored.
   */
  async undo(
    ticketId: string,
    options: { at?: string } = {},
    now: () => Date = () => new Date(),
  ): Promise<{ undone: Feedback; restored?: Feedback }> {
    for (let attempt = 1; ; attempt++) {
      const { Item } = await this.documents.send(
        new GetCommand({
          TableName: this.table,
          Key: { ticketId },
          ConsistentRead: true,
          ProjectionExpression: '#id, #feedback, #history, #at',
          ExpressionAttributeNames: {
            '#id': 'ticketId',
            '#feedback': 'feedback',
            '#history': 'feedbackHistory',
            '#at': 'feedbackAt',
          },
        }),
      );
      const ticket = Item as (Pick<ReviewedTicket, 'ticketId'> & FeedbackFields) | undefined;
      if (!ticket) throw new UnknownTicketError(ticketId);
      const current = ticket.feedback;
      if (!current || ticket.feedbackAt === undefined)
        throw new FeedbackError(`ticket ${ticketId} has no feedback to undo`, 'Conflict');
      if (options.at !== undefined && current.at !== options.at) {
        throw new FeedbackError(
          `the feedback of ticket ${ticketId} changed since (now "${current.category}", given ${current.at}${current.by ? ` by ${current.by}` : ''}); nothing was undone`,
          'Conflict',
        );
      }
      const [restored, ...older] = ticket.feedbackHistory ?? [];
      let at = now().toISOString();
      if (at <= ticket.feedbackAt) at = new Date(Date.parse(ticket.feedbackAt) + 1).toISOString();
      const names = {
        '#id': 'ticketId',
        '#feedback': 'feedback',
        '#history': 'feedbackHistory',
        '#at': 'feedbackAt',
        '#list': 'feedbackListKey',
      };
      try {
        await this.documents.send(
          new UpdateCommand({
            TableName: this.table,
            Key: { ticketId },
            ...(restored
              ? {
                  UpdateExpression: 'SET #feedback = :feedback, #history = :history, #at = :at, #list = :list',
                  ExpressionAttributeValues: {
                    ':feedback': restored,
                    ':history': older,
                    ':at': at,
                    ':list': FEEDBACK_LIST_KEY,
                    ':previous': ticket.feedbackAt,
                  },
                }
              : {
                  UpdateExpression: 'REMOVE #feedback, #history, #at, #list',
                  ExpressionAttributeValues: { ':previous': ticket.feedbackAt },
                }),
            ConditionExpression: 'attribute_exists(#id) AND #at = :previous',
            ExpressionAttributeNames: names,
          }),
        );
      } catch (error) {
        if (!isAwsError(error, 'ConditionalCheckFailedException')) throw error;
        if (attempt >= MAX_WRITE_ATTEMPTS)
          throw new FeedbackError(
            `the feedback of ticket ${ticketId} kept changing while it was being undone; try again`,
            'Conflict',
          );
        continue;
      }
      return { undone: current, ...(restored && { restored }) };
    }
  }

  /** Every ticket with feedback, oldest feedback first (optionally only feedback given after `after`). */
  async *entries(options: { after?: string } = {}): AsyncGenerator<FeedbackEntry> {
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.documents.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: FEEDBACK_INDEX,
          KeyConditionExpression: options.after === undefined ? '#list = :list' : '#list = :list AND #at > :after',
          ProjectionExpression: '#id, #text, #feedback, #at',
          ExpressionAttributeNames: {
            '#list': 'feedbackListKey',
            '#at': 'feedbackAt',
            '#id': 'ticketId',
            '#text': 'text',
            '#feedback': 'feedback',
          },
          ExpressionAttributeValues: {
            ':list': FEEDBACK_LIST_KEY,
            ...(options.after !== undefined && { ':after': options.after }),
          },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) yield item as FeedbackEntry;
      start = page.LastEvaluatedKey;
    } while (start);
  }

  /** Reviewed today (UTC) and agreement: the share of feedback that confirmed the prediction. */
  async stats(now: Date = new Date()): Promise<FeedbackStats> {
    const day = now.toISOString().slice(0, 10);
    let total = 0;
    let confirmed = 0;
    let reviewedToday = 0;
    let confirmedToday = 0;
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.documents.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: FEEDBACK_INDEX,
          KeyConditionExpression: '#list = :list',
          ProjectionExpression: '#feedback.#verdict, #at',
          ExpressionAttributeNames: {
            '#list': 'feedbackListKey',
            '#at': 'feedbackAt',
            '#feedback': 'feedback',
            '#verdict': 'verdict',
          },
          ExpressionAttributeValues: { ':list': FEEDBACK_LIST_KEY },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of (page.Items ?? []) as { feedback?: { verdict?: Verdict }; feedbackAt: string }[]) {
        const isConfirmed = item.feedback?.verdict === 'confirmed';
        total += 1;
        if (isConfirmed) confirmed += 1;
        if (item.feedbackAt.startsWith(day)) {
          reviewedToday += 1;
          if (isConfirmed) confirmedToday += 1;
        }
      }
      start = page.LastEvaluatedKey;
    } while (start);
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
}
