import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, Billing, ProjectionType, TableEncryptionV2, TableV2, type Attribute } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { LOJAL_TABLE, type KeyDefinition } from '../functions/adapters/dynamo/table-definition';
import type { TableAccess } from './table-access';

export interface LojalTableProps {
  /**
   * A customer-managed KMS key to encrypt the table with, for clients whose data-protection
   * terms require one (own key policy, crypto-shredding on offboarding).
   *
   * @default the AWS-managed key `aws/dynamodb`: data is encrypted at rest and key use is
   *   logged in CloudTrail, without a key policy to maintain or a per-client key to pay for.
   */
  readonly encryptionKey?: IKey;
  /**
   * What happens to the table when the stack is deleted.
   * @default RemovalPolicy.RETAIN, because it holds every member's points and history
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** DynamoDB's read actions Lojal uses (transactional reads are authorised as GetItem). */
const READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:ConditionCheckItem'];
/**
 * DynamoDB's write actions Lojal uses (TransactWriteItems is authorised per contained action).
 * BatchWriteItem is not among them: no Lojal code calls it.
 */
const WRITE_ACTIONS = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'];

/**
 * Lojal's single table, deployed from `LOJAL_TABLE` (the definition the local copy and the
 * tests create their tables from): on-demand, point-in-time recovery, encrypted, expiring
 * items by TTL, and the GSIs with INCLUDE projection.
 */
export class LojalTable extends Construct {
  readonly table: TableV2;
  private readonly encryptionKey?: IKey;

  constructor(scope: Construct, id: string, props: LojalTableProps = {}) {
    super(scope, id);
    this.encryptionKey = props.encryptionKey;
    this.table = new TableV2(this, 'Table', {
      partitionKey: toAttribute(LOJAL_TABLE.partitionKey),
      sortKey: toAttribute(LOJAL_TABLE.sortKey),
      billing: Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: props.encryptionKey ? TableEncryptionV2.customerManagedKey(props.encryptionKey) : TableEncryptionV2.awsManagedKey(),
      timeToLiveAttribute: LOJAL_TABLE.timeToLiveAttribute,
      deletionProtection: true,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      globalSecondaryIndexes: LOJAL_TABLE.globalSecondaryIndexes.map((index) => ({
        indexName: index.indexName,
        partitionKey: toAttribute(index.partitionKey),
        sortKey: toAttribute(index.sortKey),
        projectionType: ProjectionType.INCLUDE,
        nonKeyAttributes: [...index.nonKeyAttributes],
      })),
    });
  }

  get tableName(): string {
    return this.table.tableName;
  }

  /**
   * Grants exactly `access` (lib/table-access.ts): item actions on the table under a
   * `dynamodb:LeadingKeys` condition naming its key spaces, BatchGetItem only if asked, and
   * Query on the named indexes only. Index queries are granted apart, without the condition,
   * because on an index the leading key is the index's partition key (`DUE#…`, `CAL#…`).
   */
  grant(grantee: IGrantable, access: TableAccess): void {
    const actions = [
      ...READ_ACTIONS,
      ...(access.batchGet ? ['dynamodb:BatchGetItem'] : []),
      ...(access.items === 'readWrite' ? WRITE_ACTIONS : []),
    ];
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions,
        resources: [this.table.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': access.keySpaces.map((space) => `${space}*`) } },
      }),
    );
    const indexes = access.indexes ?? [];
    if (indexes.length > 0) {
      grantee.grantPrincipal.addToPrincipalPolicy(
        new PolicyStatement({ actions: ['dynamodb:Query'], resources: indexes.map((index) => `${this.table.tableArn}/index/${index}`) }),
      );
    }
    if (access.items === 'readWrite') this.encryptionKey?.grantEncryptDecrypt(grantee);
    else this.encryptionKey?.grantDecrypt(grantee);
  }

  /**
   * Lets `grantee` read items and query the indexes (every key space: prefer `grant`). The indexes are named one by one (not
   * `index/*`), so an index added later is granted only when it is added to `LOJAL_TABLE`.
   */
  grantReadData(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ actions: READ_ACTIONS, resources: [this.table.tableArn, ...this.indexArns()] }),
    );
    this.encryptionKey?.grantDecrypt(grantee);
  }

  /** Lets `grantee` read as `grantReadData` and write items; writes go to the table, never to an index. */
  grantReadWriteData(grantee: IGrantable): void {
    this.grantReadData(grantee);
    grantee.grantPrincipal.addToPrincipalPolicy(new PolicyStatement({ actions: WRITE_ACTIONS, resources: [this.table.tableArn] }));
    this.encryptionKey?.grantEncryptDecrypt(grantee);
  }

  private indexArns(): string[] {
    return LOJAL_TABLE.globalSecondaryIndexes.map((index) => `${this.table.tableArn}/index/${index.indexName}`);
  }
}

function toAttribute(key: KeyDefinition): Attribute {
  return { name: key.name, type: key.type === 'S' ? AttributeType.STRING : AttributeType.NUMBER };
}
