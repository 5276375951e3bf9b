import { createRequire } from 'node:module';
import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  DynamoDBServiceException,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cacheParsedConditions } from '../../src/local/dynalite-conditions.ts';
import { startDynalite } from './helpers.ts';

const parser = createRequire(import.meta.url)('dynalite/db/conditionParser') as {
  parse(input: string, options: object): unknown;
};
/** Parses that reached dynalite's parser (counted below the cache). */
let parses = 0;

describe('cacheParsedConditions (dynalite)', () => {
  let client: DynamoDBClient;
  let close: () => Promise<void>;
  beforeAll(async () => {
    const parse = parser.parse;
    parser.parse = function counted(this: unknown, input, options) {
      parses++;
      return parse.call(this, input, options);
    };
    cacheParsedConditions();
    ({ client, close } = await startDynalite());
  });
  afterAll(() => close());

  it('hands every caller its own copy of a plain expression parsed once', () => {
    const context = () => ({ isReserved: () => false, compare: () => false });
    const before = parses;
    const first = parser.parse('attribute_not_exists(id)', { context: context() }) as Record<string, unknown>;
    const second = parser.parse('attribute_not_exists(id)', { context: context() });
    expect(second).toEqual(first);
    expect(second).not.toBe(first);
    first.type = 'changed by its caller';
    expect(parser.parse('attribute_not_exists(id)', { context: context() })).toEqual(second);
    expect(parses - before).toBe(1);
  });

  it('keeps the outcome of each conditional write', async () => {
    const put = (id: string, extra: Partial<ConstructorParameters<typeof PutItemCommand>[0]> = {}) =>
      client.send(new PutItemCommand({ TableName: 'tickets', Item: { id: { S: id }, run: { S: 'r1' } }, ...extra }));
    const onlyNew = { ConditionExpression: 'attribute_not_exists(id)' };
    await put('a', onlyNew);
    await put('b', onlyNew);
    await expect(put('a', onlyNew)).rejects.toBeInstanceOf(ConditionalCheckFailedException);

    // Values differ from request to request: never taken from a cache.
    const sameRun = (run: string) => ({
      ConditionExpression: 'attribute_not_exists(id) OR run = :run',
      ExpressionAttributeValues: { ':run': { S: run } },
    });
    const parsesBefore = parses;
    await put('a', sameRun('r1'));
    await expect(put('a', sameRun('r2'))).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    expect(parses - parsesBefore).toBe(2);

    // A refused expression stays refused.
    for (let i = 0; i < 2; i++) {
      const refused = await put('c', { ConditionExpression: 'attribute_not_exists(name)' }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(DynamoDBServiceException);
      expect((refused as Error).message).toMatch(/reserved keyword: name/);
    }
  });
});
