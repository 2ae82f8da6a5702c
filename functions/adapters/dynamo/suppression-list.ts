import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { conditionalWrite } from './common';
import { suppressionKey } from './mail-keys';
import type { TransactItem } from './mail-records';

export interface SuppressionReason {
  readonly kind: 'bounce' | 'complaint';
  readonly detail: string;
  readonly at: string;
  readonly messageId?: string;
}

/** The DynamoDB adapter for addresses no mail may go to (by hash: a hard bounce or a complaint). */
export class SuppressionList {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async has(addressHash: string): Promise<boolean> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: suppressionKey(addressHash), ConsistentRead: true }),
    );
    return Item !== undefined;
  }

  /** Stops all mail to an address; the first reason recorded stays. False when it was already suppressed. */
  async add(addressHash: string, reason: SuppressionReason): Promise<boolean> {
    return conditionalWrite(
      this.doc,
      new PutCommand({
        TableName: this.tableName,
        Item: { ...suppressionKey(addressHash), type: 'suppression', ...reason },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  /**
   * A check, for a claim's transaction, that the address is not suppressed: the sender learns
   * it in the claim itself instead of a read of its own (one round trip less per mail).
   */
  notSuppressedCheck(addressHash: string): TransactItem {
    return {
      ConditionCheck: { TableName: this.tableName, Key: suppressionKey(addressHash), ConditionExpression: 'attribute_not_exists(pk)' },
    };
  }
}
