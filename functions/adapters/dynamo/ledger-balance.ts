import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { memberPk, STATE_SK } from './keys';

/** The key of the ledger's state item, for readers that batch it with other reads. */
export const ledgerStateKey = (customerId: string) => ({ pk: memberPk(customerId), sk: STATE_SK });

/** The balance in a ledger state item as stored; 0 before the member's first points. */
export const balanceOf = (item: Record<string, unknown> | undefined): number => Number(item?.balance ?? 0);

/** A read-only view of the ledger for mail (the welcome mail shows the balance): the ledger's writer stays LedgerStore's. */
export class LedgerBalanceReader {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async balance(customerId: string): Promise<number> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: ledgerStateKey(customerId), ProjectionExpression: 'balance' }),
    );
    return balanceOf(Item);
  }
}
