import { CreateTableCommand, DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { isAwsError } from '../aws/errors.ts';
import { TABLES, type TableName, type TableSpec } from './tables.ts';

/** Waits until a table is ACTIVE (a new table is CREATING for a moment, as on AWS). */
async function waitUntilActive(dynamo: DynamoDBClient, TableName: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { Table } = await dynamo.send(new DescribeTableCommand({ TableName }));
    if (Table?.TableStatus === 'ACTIVE') return;
    if (Date.now() > deadline)
      throw new Error(`table ${TableName} is still ${Table?.TableStatus} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * Creates the product's tables where they don't exist (local runtime only;
 * on AWS the CDK storage construct declares them from the same TABLES data),
 * and returns once every table is ACTIVE.
 */
export async function ensureTables(dynamo: DynamoDBClient, names: Record<TableName, string>): Promise<void> {
  const created: string[] = [];
  for (const [key, spec] of Object.entries(TABLES) as [TableName, TableSpec][]) {
    const TableName = names[key];
    try {
      await dynamo.send(new DescribeTableCommand({ TableName }));
      continue;
    } catch (error) {
      if (!isAwsError(error, 'ResourceNotFoundException')) throw error;
    }
    const attributes = new Set<string>([
      spec.partitionKey,
      ...(spec.sortKey ? [spec.sortKey] : []),
      ...spec.indexes.flatMap((i) => [i.partitionKey, i.sortKey]),
    ]);
    await dynamo.send(
      new CreateTableCommand({
        TableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [...attributes].map((AttributeName) => ({ AttributeName, AttributeType: 'S' })),
        KeySchema: [
          { AttributeName: spec.partitionKey, KeyType: 'HASH' },
          ...(spec.sortKey ? [{ AttributeName: spec.sortKey, KeyType: 'RANGE' as const }] : []),
        ],
        ...(spec.indexes.length > 0 && {
          GlobalSecondaryIndexes: spec.indexes.map((index) => ({
            IndexName: index.name,
            KeySchema: [
              { AttributeName: index.partitionKey, KeyType: 'HASH' as const },
              { AttributeName: index.sortKey, KeyType: 'RANGE' as const },
            ],
            Projection: { ProjectionType: 'ALL' as const },
          })),
        }),
      }),
    );
    created.push(TableName);
  }
  for (const TableName of created) await waitUntilActive(dynamo, TableName);
}
