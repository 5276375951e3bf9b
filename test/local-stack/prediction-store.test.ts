import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulators, type Emulators } from '../../src/local/emulators.ts';
import { ensureTables } from '../../src/storage/create-tables.ts';
import { TicketConflictError } from '../../src/storage/errors.ts';
import { FeedbackStore } from '../../src/storage/feedback.ts';
import { PredictionStore, type TicketRecord } from '../../src/storage/predictions.ts';

let emulators: Emulators;
let predictions: PredictionStore;
let feedback: FeedbackStore;
beforeAll(async () => {
  emulators = await startEmulators();
  const dynamo = new DynamoDBClient({
    endpoint: emulators.endpoints.dynamodb,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  await ensureTables(dynamo, { models: 'models', predictions: 'predictions', idempotency: 'idempotency' });
  const documents = DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } });
  predictions = new PredictionStore(documents, 'predictions');
  feedback = new FeedbackStore(documents, 'predictions');
});
afterAll(() => emulators.stop());

const classified = (ticketId: string, executionName: string, category = 'billing'): Omit<TicketRecord, 'listKey'> => ({
  ticketId,
  executionName,
  status: 'classified',
  text: 'cannot log in',
  truncated: false,
  receivedAt: '2026-12-01T00:00:00.000Z',
  category,
  probability: 0.9,
  route: 'auto',
  needsReview: false,
  modelVersion: 'v1',
  classifiedAt: '2026-12-01T00:00:01.000Z',
  subject: undefined,
});

describe('PredictionStore.record (DynamoDB, on dynalite)', () => {
  it('writes a new ticket whole, leaving out undefined fields', async () => {
    await predictions.record(classified('t-new', 'exec-1'));
    const item = await predictions.get('t-new');
    expect(item).toMatchObject({ ticketId: 't-new', executionName: 'exec-1', category: 'billing', listKey: 'ticket' });
    expect(item).not.toHaveProperty('subject');
  });

  it('lets the same execution record again without losing feedback given meanwhile', async () => {
    await predictions.record(classified('t-rerun', 'exec-2'));
    await feedback.submit('t-rerun', { verdict: 'corrected', category: 'access' }, ['billing', 'access']);
    await predictions.record(classified('t-rerun', 'exec-2'));
    const item = (await predictions.get('t-rerun')) as TicketRecord & { feedback?: { category: string } };
    expect(item.feedback).toMatchObject({ category: 'access' });
    expect(item.category).toBe('billing');
  });

  it("refuses another execution's record of the same ticket, and keeps the first", async () => {
    await predictions.record(classified('t-taken', 'exec-3'));
    await expect(predictions.record(classified('t-taken', 'exec-4', 'access'))).rejects.toBeInstanceOf(
      TicketConflictError,
    );
    expect((await predictions.get('t-taken'))?.executionName).toBe('exec-3');
    expect((await predictions.get('t-taken'))?.category).toBe('billing');
  });
});
