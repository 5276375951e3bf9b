import { isAwsError } from '../aws/errors.ts';
import {
  GetCommand,
  PutCommand,
  UpdateCommand,
  QueryCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { setFields } from '../aws/set-fields.ts';
import type { CategoryProbability } from '../model/linear.ts';
import type { ReviewReason, Route } from '../model/routing.ts';
import type { Explanation } from '../model/ticket-classifier.ts';
import { InvalidCursorError, TicketConflictError } from './errors.ts';

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
  /** `auto` or `review` (absent on tickets classified before routing was added: see `routeOf`, src/contracts/routing.ts). */
  readonly route?: Route;
  /** Why it goes to review. */
  readonly reason?: ReviewReason;
  /** `route === 'review'`. */
  readonly needsReview?: boolean;
  readonly modelVersion?: string;
  readonly classifiedAt: string;
  readonly error?: { readonly error: string; readonly cause: string };
  readonly listKey: typeof RECENT_LIST_KEY;
}

/** Filters of {@link PredictionStore.list}. */
export interface PredictionFilters {
  readonly needsReview?: boolean;
  /** The route; tickets classified before routing was added count by their `needsReview`. */
  readonly route?: Route;
  /** Why the ticket goes to review (implies `route: 'review'`, whatever `route` says); older tickets in review count as `low-confidence`. */
  readonly reason?: ReviewReason;
  /** The predicted category. */
  readonly category?: string;
  readonly hasFeedback?: boolean;
  readonly status?: TicketRecord['status'];
}

const encodeCursor = (key: Record<string, unknown>): string => Buffer.from(JSON.stringify(key)).toString('base64url');

function decodeCursor(cursor: string): Record<string, unknown> {
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (key && typeof key === 'object' && !Array.isArray(key) && Object.values(key).every((v) => typeof v === 'string'))
      return key as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new InvalidCursorError('the cursor is not valid: pass the `cursor` of the previous page unchanged');
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
    const item = { ...record, listKey: RECENT_LIST_KEY };
    // A ticket's first record, the common case: a put that only a new item passes (one short
    // condition for DynamoDB to evaluate, no update expression).
    try {
      await this.documents.send(
        new PutCommand({ TableName: this.table, Item: item, ConditionExpression: 'attribute_not_exists(ticketId)' }),
      );
      return;
    } catch (error) {
      if (!isAwsError(error, 'ConditionalCheckFailedException')) throw error;
    }
    // The item exists. An update, not a put: a step re-run by the same execution (a retry, or an
    // execution restarted after a crash) must not erase feedback given meanwhile.
    const { ticketId, ...fields } = item;
    const update = setFields(fields);
    try {
      await this.documents.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { ticketId },
          ...update,
          ExpressionAttributeValues: { ...update.ExpressionAttributeValues, ':execution': record.executionName },
          ConditionExpression: 'attribute_not_exists(ticketId) OR executionName = :execution',
        }),
      );
    } catch (error) {
      if (isAwsError(error, 'ConditionalCheckFailedException'))
        throw new TicketConflictError(`ticket ${record.ticketId} was already recorded by another execution`);
      throw error;
    }
  }

  async get(ticketId: string): Promise<TicketRecord | undefined> {
    const { Item } = await this.documents.send(
      new GetCommand({ TableName: this.table, Key: { ticketId }, ConsistentRead: true }),
    );
    return Item as TicketRecord | undefined;
  }

  /**
   * Newest first, optionally filtered, `limit` at most per page. `cursor` is
   * opaque (from the previous page). DynamoDB filters after reading, so a
   * filtered page reads on until it is full or `maxReads` pages were read; it
   * may then hold fewer than `limit` items and still have a cursor.
   */
  async list(
    options: { limit?: number; cursor?: string; filters?: PredictionFilters; maxReads?: number } = {},
  ): Promise<{ items: TicketRecord[]; cursor?: string }> {
    const limit = options.limit ?? 50;
    const filters = options.filters ?? {};
    const conditions: string[] = [];
    const names: Record<string, string> = { '#list': 'listKey' };
    const values: Record<string, unknown> = { ':list': RECENT_LIST_KEY };
    if (filters.needsReview !== undefined) {
      names['#needsReview'] = 'needsReview';
      values[':needsReview'] = filters.needsReview;
      conditions.push(
        filters.needsReview
          ? '#needsReview = :needsReview'
          : '(attribute_not_exists(#needsReview) OR #needsReview = :needsReview)',
      );
    }
    if (filters.route !== undefined || filters.reason !== undefined) {
      const route = filters.reason !== undefined ? 'review' : filters.route!;
      names['#route'] = 'route';
      values[':route'] = route;
      let routed = '#route = :route';
      if (filters.reason !== undefined) {
        names['#reason'] = 'reason';
        values[':reason'] = filters.reason;
        routed = '(#route = :route AND #reason = :reason)';
      }
      // Tickets classified before routing was added have no route: their needsReview says it (review: low confidence).
      if (filters.reason === undefined || filters.reason === 'low-confidence') {
        names['#oldNeedsReview'] = 'needsReview';
        values[':oldNeedsReview'] = route === 'review';
        routed = `(${routed} OR (attribute_not_exists(#route) AND #oldNeedsReview = :oldNeedsReview))`;
      }
      conditions.push(routed);
    }
    if (filters.category !== undefined) {
      names['#category'] = 'category';
      values[':category'] = filters.category;
      conditions.push('#category = :category');
    }
    if (filters.hasFeedback !== undefined) {
      names['#feedbackAt'] = 'feedbackAt';
      conditions.push(filters.hasFeedback ? 'attribute_exists(#feedbackAt)' : 'attribute_not_exists(#feedbackAt)');
    }
    if (filters.status !== undefined) {
      names['#status'] = 'status';
      values[':status'] = filters.status;
      conditions.push('#status = :status');
    }
    const items: TicketRecord[] = [];
    let start = options.cursor === undefined ? undefined : decodeCursor(options.cursor);
    const maxReads = options.maxReads ?? 20;
    for (let reads = 0; reads < maxReads; reads++) {
      const page = await this.documents.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: 'recent',
          KeyConditionExpression: '#list = :list',
          ...(conditions.length > 0 && { FilterExpression: conditions.join(' AND ') }),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ScanIndexForward: false,
          Limit: conditions.length > 0 ? Math.max(100, limit) : limit,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of (page.Items ?? []) as TicketRecord[]) {
        items.push(item);
        if (items.length === limit) {
          const more = item !== page.Items!.at(-1) || page.LastEvaluatedKey !== undefined;
          return {
            items,
            ...(more && {
              cursor: encodeCursor({ ticketId: item.ticketId, listKey: item.listKey, classifiedAt: item.classifiedAt }),
            }),
          };
        }
      }
      start = page.LastEvaluatedKey;
      if (!start) break;
    }
    return { items, ...(start && { cursor: encodeCursor(start) }) };
  }

  /** Newest first. */
  async recent(
    options: { limit?: number; cursor?: Record<string, unknown> } = {},
  ): Promise<{ items: TicketRecord[]; cursor?: Record<string, unknown> }> {
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
    return {
      items: (page.Items ?? []) as TicketRecord[],
      ...(page.LastEvaluatedKey && { cursor: page.LastEvaluatedKey }),
    };
  }
}
