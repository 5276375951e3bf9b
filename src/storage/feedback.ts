import { GetCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isAwsError } from '../aws/errors.ts';
import {
  feedbackStats,
  FeedbackError,
  historyAfter,
  nextFeedbackAt,
  resolveFeedback,
  UnknownTicketError,
  undoOf,
  type Feedback,
  type FeedbackInput,
  type FeedbackStats,
  type JudgedTicket,
  type Verdict,
} from '../feedback/rules.ts';
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

/** The feedback attributes of a ticket's item. */
export interface FeedbackFields {
  readonly feedback?: Feedback;
  /** Verdicts this one replaced, newest first. */
  readonly feedbackHistory?: readonly Feedback[];
  readonly feedbackAt?: string;
  readonly feedbackListKey?: typeof FEEDBACK_LIST_KEY;
}

export type ReviewedTicket = TicketRecord & FeedbackFields;

/** One ticket's feedback as retraining reads it. */
export interface FeedbackEntry {
  readonly ticketId: string;
  readonly text: string;
  readonly feedback: Feedback;
  readonly feedbackAt: string;
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
      const ticket = Item as (JudgedTicket & FeedbackFields) | undefined;
      if (!ticket) throw new UnknownTicketError(ticketId);
      const at = nextFeedbackAt(now(), ticket.feedbackAt);
      const feedback = resolveFeedback(ticket, input, knownCategories, at);
      const history = historyAfter(ticket);
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
      const { undone: current, restored, older } = undoOf(ticketId, ticket, options);
      const at = nextFeedbackAt(now(), ticket.feedbackAt);
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
                    ':previous': ticket.feedbackAt!,
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
    const items: { verdict?: Verdict; feedbackAt: string }[] = [];
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
      for (const item of (page.Items ?? []) as { feedback?: { verdict?: Verdict }; feedbackAt: string }[])
        items.push({ ...(item.feedback?.verdict && { verdict: item.feedback.verdict }), feedbackAt: item.feedbackAt });
      start = page.LastEvaluatedKey;
    } while (start);
    return feedbackStats(items, now);
  }
}
