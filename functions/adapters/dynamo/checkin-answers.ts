import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { memberPk } from './keys';
import { checkinAnswerSk } from './mail-keys';

/** The DynamoDB adapter for members' answers to check-in mail (0–10, one per order). */
export class CheckinAnswers {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Records an answer; a later answer replaces an earlier one. */
  async record(customerId: string, orderId: string, score: number, now: Date): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          pk: memberPk(customerId),
          sk: checkinAnswerSk(orderId),
          type: 'checkin-answer',
          orderId,
          score,
          answeredAt: now.toISOString(),
        },
      }),
    );
  }

  async get(customerId: string, orderId: string): Promise<{ score: number; answeredAt: string } | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: memberPk(customerId), sk: checkinAnswerSk(orderId) }, ConsistentRead: true }),
    );
    return Item ? { score: Number(Item.score), answeredAt: String(Item.answeredAt) } : undefined;
  }
}
