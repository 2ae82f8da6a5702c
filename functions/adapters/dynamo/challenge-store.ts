import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { BoardRow, Winner } from '../../domain/challenges';
import { conditionalWrite, type IndexPageCost } from './common';
import { boardAbove, boardPk, challengeResultKey, challengeScoreSk, memberPk } from './keys';

/** A decided challenge: the winners frozen when it was decided, and whether they were announced. */
export interface ChallengeResult {
  readonly challengeId: string;
  readonly decidedAt: string;
  readonly winners: readonly Winner[];
  /** `awarding`: prizes and the announcement may still be outstanding; `published`: all done. */
  readonly status: 'awarding' | 'published';
}

export interface BoardPage extends IndexPageCost {
  readonly rows: BoardRow[];
}

/**
 * The DynamoDB adapter for challenge leaderboards (the `board` index; the score items are
 * written by the ledger transaction, see ledger-store.ts) and decided results.
 */
export class ChallengeStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** A page of a leaderboard, best first: one Query of the challenge's partition, read backwards. */
  async board(challengeId: string, limit: number, cursor?: Record<string, unknown>): Promise<BoardPage> {
    const page = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: 'board',
        KeyConditionExpression: 'boardPk = :pk',
        ExpressionAttributeValues: { ':pk': boardPk(challengeId) },
        ScanIndexForward: false,
        Limit: limit,
        ExclusiveStartKey: cursor,
      }),
    );
    const rows = (page.Items ?? []).map((item) => ({ customerId: String(item.customerId), score: Number(item.score) }));
    return { rows, read: page.ScannedCount ?? rows.length, ...(page.LastEvaluatedKey ? { cursor: page.LastEvaluatedKey } : {}) };
  }

  /**
   * How many members have a higher score: a member's place is one more (members tied share it).
   * A `Select: COUNT` Query of the board above the score, so it reads every item ranked higher:
   * cheap near the top, one read unit per ~40 members ranked above deep down.
   */
  async countAbove(challengeId: string, score: number): Promise<{ count: number; read: number }> {
    let count = 0;
    let read = 0;
    let cursor: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: 'board',
          KeyConditionExpression: 'boardPk = :pk AND boardSk > :above',
          ExpressionAttributeValues: { ':pk': boardPk(challengeId), ':above': boardAbove(score) },
          Select: 'COUNT',
          ExclusiveStartKey: cursor,
        }),
      );
      count += page.Count ?? 0;
      read += page.ScannedCount ?? 0;
      cursor = page.LastEvaluatedKey;
    } while (cursor);
    return { count, read };
  }

  /** A member's score in a challenge as their last ledger write left it (0 when they have none). */
  async score(challengeId: string, customerId: string): Promise<number> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: memberPk(customerId), sk: challengeScoreSk(challengeId) } }),
    );
    return Number(Item?.score ?? 0);
  }

  async readResult(challengeId: string): Promise<ChallengeResult | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: challengeResultKey(challengeId), ConsistentRead: true }),
    );
    if (!Item) return undefined;
    return {
      challengeId,
      decidedAt: String(Item.decidedAt),
      winners: Item.winners as Winner[],
      status: Item.status === 'published' ? 'published' : 'awarding',
    };
  }

  /** Freezes a result; the first decision wins, so a second run (or a racing one) pays the same winners. */
  async createResult(result: Omit<ChallengeResult, 'status'>): Promise<'created' | 'exists'> {
    const created = await conditionalWrite(
      this.doc,
      new PutCommand({
        TableName: this.tableName,
        Item: { ...challengeResultKey(result.challengeId), type: 'challenge-result', ...result, status: 'awarding' },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return created ? 'created' : 'exists';
  }

  /** Every prize is in the ledger and the result is on the bus. */
  async markPublished(challengeId: string, at: Date): Promise<void> {
    await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: challengeResultKey(challengeId),
        UpdateExpression: 'SET #status = :published, publishedAt = :at',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':published': 'published', ':at': at.toISOString() },
      }),
    );
  }
}
