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
 * outcome; one that crashes leaves it until the function's timeout has passed
 * (Powertools uses the Lambda context's remaining time).
 */
import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  IdempotencyValidationError,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
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

let idempotent:
  | {
      readonly claimConfig: IdempotencyConfig;
      readonly outcomeConfig: IdempotencyConfig;
      readonly claim: (claim: Claim) => Promise<{ messageId: string }>;
      readonly outcome: (key: { ticketId: string }, produce: Produce) => Promise<unknown>;
    }
  | undefined;

/** Built on first use (the settings are read then, as the handlers read theirs). */
function records() {
  if (!idempotent) {
    const persistenceStore = new DynamoDBPersistenceLayer({
      tableName: config().IDEMPOTENCY_TABLE,
      awsSdkV3Client: awsClients().dynamo,
    });
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
        persistenceStore,
        config: outcomeConfig,
        keyPrefix: 'ticket-outcome',
      }),
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
  const { outcome, outcomeConfig } = records();
  outcomeConfig.registerLambdaContext(context);
  return outcome({ ticketId }, produce);
}
