/**
 * The DynamoDB tables, as data: the local runtime creates them from this and
 * the CDK storage construct declares them from this, so the two can't drift.
 */
export interface TableSpec {
  readonly partitionKey: string;
  readonly sortKey?: string;
  readonly indexes: readonly { readonly name: string; readonly partitionKey: string; readonly sortKey: string }[];
  /** Attribute holding an epoch-seconds expiry, if items expire. */
  readonly timeToLive?: string;
}

export const TABLES = {
  /** One item per ticket: its prediction, then the feedback people gave. */
  predictions: {
    partitionKey: 'ticketId',
    indexes: [
      // Recent predictions, newest first (listKey is the constant "ticket").
      { name: 'recent', partitionKey: 'listKey', sortKey: 'classifiedAt' },
      // Sparse: only tickets with feedback, by when it was given (retraining reads this).
      { name: 'feedback', partitionKey: 'feedbackListKey', sortKey: 'feedbackAt' },
    ],
  },
  /** Model registry + the pointer to the version in service. */
  models: { partitionKey: 'version', indexes: [] },
  /** Powertools idempotency records (one result per execution). */
  idempotency: { partitionKey: 'id', indexes: [], timeToLive: 'expiration' },
} as const satisfies Record<string, TableSpec>;

export type TableName = keyof typeof TABLES;
