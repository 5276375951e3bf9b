import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { TABLES, type TableName, type TableSpec } from '../../src/storage/tables.ts';

/** The item of the models table that names the model version in service (`src/model-store/registry.ts`). */
export { IN_SERVICE_KEY } from '../../src/model-store/registry.ts';

/** DynamoDB item actions a grant can name (no `*`, no table management). */
export type ItemAction =
  | 'dynamodb:GetItem'
  | 'dynamodb:BatchGetItem'
  | 'dynamodb:Query'
  | 'dynamodb:Scan'
  | 'dynamodb:PutItem'
  | 'dynamodb:UpdateItem'
  | 'dynamodb:DeleteItem'
  | 'dynamodb:ConditionCheckItem';

export interface TableGrantOptions {
  /**
   * Also allow the actions on these indexes of the table (by name, from `TABLES`).
   *
   * @default - the table only
   */
  readonly indexes?: readonly string[];

  /**
   * Allow the actions on the table itself. `false` with `indexes`: on those
   * indexes only (a `Query` of an index needs the index ARN, not the table's).
   *
   * @default true
   */
  readonly table?: boolean;

  /**
   * Partition key values the actions may NOT touch (an IAM condition on
   * `dynamodb:LeadingKeys`): e.g. the models table's in-service pointer.
   *
   * @default - no restriction
   */
  readonly exceptPartitionKeys?: readonly string[];

  /**
   * The only partition key values the actions may touch (an IAM condition on
   * `dynamodb:LeadingKeys`): e.g. only the in-service pointer. Not together
   * with `exceptPartitionKeys`.
   *
   * @default - no restriction
   */
  readonly onlyPartitionKeys?: readonly string[];
}

export interface TriageTablesProps {
  /**
   * What happens to the tables (predictions, feedback, model registry) when the stack is deleted.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * DynamoDB deletion protection (a table cannot be deleted until it is turned off).
   *
   * @default true
   */
  readonly deletionProtection?: boolean;
}

/**
 * The DynamoDB tables, declared from `TABLES` in `src/storage/tables.ts` (the
 * same data the local runtime creates its tables from): key schema, GSIs
 * (projection ALL: the review page reads whole items from them) and TTL.
 * Every key attribute is a string in the product's items.
 *
 * All tables: on-demand capacity, point-in-time recovery (35 days), encryption
 * with the AWS managed key (`aws/dynamodb`: key use is visible in CloudTrail,
 * no key policy to maintain, no extra grants for the functions), deletion
 * protection and RETAIN by default.
 *
 * Access is granted with {@link grant}, action by action.
 */
export class TriageTables extends Construct {
  readonly tables: Readonly<Record<TableName, dynamodb.Table>>;

  constructor(scope: Construct, id: string, props: TriageTablesProps = {}) {
    super(scope, id);
    const tables = {} as Record<TableName, dynamodb.Table>;
    for (const [name, spec] of Object.entries(TABLES) as [TableName, TableSpec][]) {
      const table = new dynamodb.Table(this, pascal(name), {
        partitionKey: { name: spec.partitionKey, type: dynamodb.AttributeType.STRING },
        ...(spec.sortKey && { sortKey: { name: spec.sortKey, type: dynamodb.AttributeType.STRING } }),
        billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
        encryption: dynamodb.TableEncryption.AWS_MANAGED,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        deletionProtection: props.deletionProtection ?? true,
        removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
        ...(spec.timeToLive && { timeToLiveAttribute: spec.timeToLive }),
      });
      for (const index of spec.indexes) {
        table.addGlobalSecondaryIndex({
          indexName: index.name,
          partitionKey: { name: index.partitionKey, type: dynamodb.AttributeType.STRING },
          sortKey: { name: index.sortKey, type: dynamodb.AttributeType.STRING },
          projectionType: dynamodb.ProjectionType.ALL,
        });
      }
      tables[name] = table;
    }
    this.tables = tables;
  }

  table(name: TableName): dynamodb.Table {
    return this.tables[name];
  }

  /**
   * Allows exactly `actions` on one table (and, if named, some of its indexes).
   * Unlike `grantReadData` (which adds Scan, Query, BatchGetItem, DescribeTable,
   * ...) or `grantWriteData`, nothing is added that the caller did not name.
   */
  grant(role: iam.IRole, name: TableName, actions: readonly ItemAction[], options: TableGrantOptions = {}): void {
    const table = this.tables[name];
    const known = new Set<string>((TABLES[name].indexes as TableSpec['indexes']).map((index) => index.name));
    for (const index of options.indexes ?? []) {
      if (!known.has(index)) throw new Error(`table ${name} has no index ${index}`);
    }
    if (options.exceptPartitionKeys?.length && options.onlyPartitionKeys?.length)
      throw new Error('exceptPartitionKeys and onlyPartitionKeys exclude each other');
    const resources = [
      ...(options.table === false ? [] : [table.tableArn]),
      ...(options.indexes ?? []).map((index) => `${table.tableArn}/index/${index}`),
    ];
    if (resources.length === 0) throw new Error(`grant on table ${name}: neither the table nor an index`);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: [...actions],
        resources,
        ...(options.exceptPartitionKeys?.length && {
          conditions: { 'ForAllValues:StringNotEquals': { 'dynamodb:LeadingKeys': [...options.exceptPartitionKeys] } },
        }),
        ...(options.onlyPartitionKeys?.length && {
          conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [...options.onlyPartitionKeys] } },
        }),
      }),
    );
  }
}

const pascal = (name: string) => name.replace(/(^|-)(\w)/g, (_, __, c: string) => c.toUpperCase());
