import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CategoryProbability } from '../model/linear.ts';
import type { Explanation } from '../model/ticket-classifier.ts';

export const RECENT_LIST_KEY = 'ticket';

/** One ticket as the review page and retraining see it. */
export interface TicketRecord {
  readonly ticketId: string;
  readonly executionName: string;
  readonly status: 'classified' | 'failed';
  readonly subject?: string;
  /** The ticket text (as classified, i.e. cut to the cap). Stored for the review page; never logged. */
  readonly text: string;
  readonly truncated: boolean;
  readonly receivedAt: string;
  readonly category?: string;
  readonly probability?: number;
  readonly top?: readonly CategoryProbability[];
  readonly explanation?: readonly Explanation[];
  readonly needsReview?: boolean;
  readonly modelVersion?: string;
  readonly classifiedAt: string;
  readonly error?: { readonly error: string; readonly cause: string };
  readonly listKey: typeof RECENT_LIST_KEY;
}

/** Another execution already recorded a different result for this ticket. */
export class TicketConflictError extends Error {
  override readonly name = 'TicketConflictError';
}

export class PredictionStore {
  constructor(
    readonly documents: DynamoDBDocumentClient,
    readonly table: string,
  ) {}

  /**
   * Records a ticket's outcome. Idempotent for the same execution (a retried
   * step writes the same item again); refuses to overwrite another execution's.
   */
  async record(record: Omit<TicketRecord, 'listKey'>): Promise<void> {
    try {
      await this.documents.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...record, listKey: RECENT_LIST_KEY },
          ConditionExpression: 'attribute_not_exists(ticketId) OR executionName = :execution',
          ExpressionAttributeValues: { ':execution': record.executionName },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new TicketConflictError(`ticket ${record.ticketId} was already recorded by another execution`);
      throw error;
    }
  }

  async get(ticketId: string): Promise<TicketRecord | undefined> {
    const { Item } = await this.documents.send(new GetCommand({ TableName: this.table, Key: { ticketId }, ConsistentRead: true }));
    return Item as TicketRecord | undefined;
  }

  /** Newest first. */
  async recent(options: { limit?: number; cursor?: Record<string, unknown> } = {}): Promise<{ items: TicketRecord[]; cursor?: Record<string, unknown> }> {
    const page = await this.documents.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: 'recent',
        KeyConditionExpression: 'listKey = :list',
        ExpressionAttributeValues: { ':list': RECENT_LIST_KEY },
        ScanIndexForward: false,
        Limit: options.limit ?? 50,
        ExclusiveStartKey: options.cursor,
      }),
    );
    return { items: (page.Items ?? []) as TicketRecord[], ...(page.LastEvaluatedKey && { cursor: page.LastEvaluatedKey }) };
  }
}
