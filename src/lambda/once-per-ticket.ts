/**
 * One outcome per ticket when the classification workflow is EXPRESS, which
 * runs executions and steps at least once and does not de-duplicate execution
 * names. Two Powertools idempotency records per ticket, in IDEMPOTENCY_TABLE,
 * keyed by the ticket id and kept as long as Standard keeps execution names:
 *
 * - the **claim** (start-classification): the first message of a ticket claims
 *   it; the same message again (a redelivery) is told it holds the claim; a
 *   later message with the same content is a duplicate, with other content a
 *   conflict (the claim validates the content hash);
 * - the **first outcome** (publish-result, record-failure): the first of them
 *   to run for a ticket records and sends it; any later run of either, for
 *   the same ticket, gets that first outcome back and sends nothing. A run
 *   that overlaps a running one fails with `IdempotencyAlreadyInProgressError`
 *   (the workflow retries it), and gets the outcome once it is there.
 *
 * A run that fails removes its in-progress record, so a retry can produce the
 * outcome; one that dies (crash, timeout) leaves it until its function's
 * timeout has passed (Powertools keeps it for the Lambda context's remaining
 * time): the workflow's retries of `IdempotencyAlreadyInProgressError` last
 * longer than that (classify-ticket.asl.json), so a later run then produces
 * the outcome. The first-outcome record also names its holder (the Lambda
 * request id, {@link HeldRecords}): the same invocation run again takes its
 * record over at once instead of waiting for it to expire.
 */
import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  IdempotencyValidationError,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { IdempotencyRecord } from '@aws-lambda-powertools/idempotency/persistence';
import { type AttributeValue, type DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { awsClients } from '../aws/clients.ts';
import { config } from '../config.ts';

/** As long as a Standard workflow keeps an execution's name (90 days). */
const RETENTION_SECONDS = 90 * 24 * 60 * 60;

interface Claim {
  readonly ticketId: string;
  readonly messageId: string;
  readonly contentSha256: string;
}

type Produce = () => Promise<unknown>;

/**
 * Powertools' DynamoDB records, where an in-progress record also names its
 * holder: the Lambda request id of the invocation that wrote it. An
 * invocation with that same request id is that invocation run again, never
 * at the same time as it: Lambda gives a request id to one invocation (an
 * asynchronous invocation's retries keep it, after the attempt before has
 * ended), and the local runtime gives an invocation that a crash cut short the
 * same id when it runs it again (src/local/invocation-identity.ts). Such a run
 * takes its own record over; any other waits for the holder to finish or for
 * its record to expire (Powertools' rules, unchanged). The attribute names
 * are Powertools' defaults (PERSISTENCE_ATTRIBUTE_KEY_MAPPINGS).
 */
class HeldRecords extends DynamoDBPersistenceLayer {
  /** The request id of the invocation running now (an instance runs one at a time), if known. */
  holder: string | undefined;

  constructor(
    private readonly table: string,
    private readonly dynamo: DynamoDBClient,
  ) {
    super({ tableName: table, awsSdkV3Client: dynamo });
  }

  protected override async _putRecord(record: IdempotencyRecord): Promise<void> {
    const holder = this.holder;
    if (holder === undefined || record.getStatus() !== 'INPROGRESS' || record.expiryTimestamp === undefined)
      return super._putRecord(record);
    const item: Record<string, AttributeValue> = {
      ...this.getKey(record.idempotencyKey),
      expiration: { N: String(record.expiryTimestamp) },
      status: { S: 'INPROGRESS' },
      holder: { S: holder },
      ...(record.inProgressExpiryTimestamp !== undefined && {
        in_progress_expiration: { N: String(record.inProgressExpiryTimestamp) },
      }),
      ...(this.isPayloadValidationEnabled() &&
        record.payloadHash !== undefined && { validation: { S: record.payloadHash } }),
    };
    const now = Date.now();
    try {
      // Powertools' condition, or an in-progress record of this very invocation.
      await this.dynamo.send(
        new PutItemCommand({
          TableName: this.table,
          Item: item,
          ConditionExpression:
            'attribute_not_exists(#id) OR #expiry < :now' +
            ' OR (#status = :inprogress AND attribute_exists(#in_progress_expiry) AND #in_progress_expiry < :now_in_millis)' +
            ' OR (#status = :inprogress AND #holder = :holder)',
          ExpressionAttributeNames: {
            '#id': 'id',
            '#expiry': 'expiration',
            '#in_progress_expiry': 'in_progress_expiration',
            '#status': 'status',
            '#holder': 'holder',
          },
          ExpressionAttributeValues: {
            ':now': { N: String(now / 1000) },
            ':now_in_millis': { N: String(now) },
            ':inprogress': { S: 'INPROGRESS' },
            ':holder': { S: holder },
          },
        }),
      );
    } catch (error) {
      // Held by another invocation, or done: Powertools' own put fails the same way and says how (with the record).
      if (error instanceof Error && error.name === 'ConditionalCheckFailedException') return super._putRecord(record);
      throw error;
    }
  }
}

let idempotent:
  | {
      readonly claimConfig: IdempotencyConfig;
      readonly outcomeConfig: IdempotencyConfig;
      readonly claim: (claim: Claim) => Promise<{ messageId: string }>;
      readonly outcome: (key: { ticketId: string }, produce: Produce) => Promise<unknown>;
      readonly outcomeRecords: HeldRecords;
    }
  | undefined;

/** Built on first use (the settings are read then, as the handlers read theirs). */
function records() {
  if (!idempotent) {
    const { dynamo } = awsClients();
    const persistenceStore = new DynamoDBPersistenceLayer({
      tableName: config().IDEMPOTENCY_TABLE,
      awsSdkV3Client: dynamo,
    });
    const outcomeRecords = new HeldRecords(config().IDEMPOTENCY_TABLE, dynamo);
    const claimConfig = new IdempotencyConfig({
      eventKeyJmesPath: 'ticketId',
      payloadValidationJmesPath: 'contentSha256',
      expiresAfterSeconds: RETENTION_SECONDS,
    });
    const outcomeConfig = new IdempotencyConfig({
      eventKeyJmesPath: 'ticketId',
      expiresAfterSeconds: RETENTION_SECONDS,
    });
    idempotent = {
      claimConfig,
      outcomeConfig,
      claim: makeIdempotent(async (claim: Claim) => ({ messageId: claim.messageId }), {
        persistenceStore,
        config: claimConfig,
        keyPrefix: 'ticket-claim',
      }),
      outcome: makeIdempotent(async (_key: { ticketId: string }, produce: Produce) => produce(), {
        persistenceStore: outcomeRecords,
        config: outcomeConfig,
        keyPrefix: 'ticket-outcome',
      }),
      outcomeRecords,
    };
  }
  return idempotent;
}

export type ClaimResult =
  | { readonly status: 'claimed' }
  | { readonly status: 'duplicate'; readonly messageId: string }
  | { readonly status: 'conflict' };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Claims a ticket for this message (see above). */
export async function claimTicket(claim: Claim, context: Context): Promise<ClaimResult> {
  const { claim: claimOnce, claimConfig } = records();
  claimConfig.registerLambdaContext(context);
  for (let attempt = 0; ; attempt++) {
    try {
      const holder = await claimOnce(claim);
      return holder.messageId === claim.messageId
        ? { status: 'claimed' }
        : { status: 'duplicate', messageId: holder.messageId };
    } catch (error) {
      if (error instanceof IdempotencyValidationError) return { status: 'conflict' };
      // Another message of this ticket is claiming it this very moment: its claim is there in a few ms.
      if (error instanceof IdempotencyAlreadyInProgressError && attempt < 20) {
        await sleep(25 + attempt * 25);
        continue;
      }
      throw error;
    }
  }
}

/**
 * Runs `produce` (record and send the ticket's outcome) unless the ticket has
 * an outcome already; resolves with the first outcome either way.
 */
export async function firstOutcome<T>(ticketId: string, context: Context, produce: () => Promise<T>): Promise<unknown> {
  const { outcome, outcomeConfig, outcomeRecords } = records();
  outcomeConfig.registerLambdaContext(context);
  outcomeRecords.holder = context.awsRequestId || undefined;
  try {
    return await outcome({ ticketId }, produce);
  } finally {
    outcomeRecords.holder = undefined;
  }
}
