import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { IndexPageCost } from './common';

/** The sparse `due` GSI (`duePk` / `dueSk`), defined in table-definition.ts. */
export const DUE_INDEX = 'due';

/** The base-table key of an item, as the `due` index returns it. */
export interface DueKey {
  readonly pk: string;
  readonly sk: string;
}

export interface DueIndexPage extends IndexPageCost {
  readonly keys: DueKey[];
}

/**
 * The two reads every job that drains a partition of the `due` index makes (the timeline
 * sweeper's `DUE#…`, the mail release's `MAILDUE#…`): one copy, so both page and peek the
 * index the same way. Each job owns its partition keys and what it does with an item.
 */
export class DueIndex {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** One page of the keys in partition `pk` whose time has come (`dueSk <= nowIso`), earliest first. */
  async page(pk: string, nowIso: string, limit: number, cursor?: Record<string, unknown>): Promise<DueIndexPage> {
    const result = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: DUE_INDEX,
        KeyConditionExpression: 'duePk = :pk AND dueSk <= :now',
        ExpressionAttributeValues: { ':pk': pk, ':now': nowIso },
        ProjectionExpression: 'pk, sk',
        Limit: limit,
        ExclusiveStartKey: cursor,
      }),
    );
    return {
      keys: (result.Items ?? []).map((i) => ({ pk: String(i.pk), sk: String(i.sk) })),
      read: result.ScannedCount ?? result.Count ?? 0,
      ...(result.LastEvaluatedKey ? { cursor: result.LastEvaluatedKey } : {}),
    };
  }

  /** The earliest `dueSk` in partition `pk`, if any (one index item read): when to look at it next. */
  async earliest(pk: string): Promise<string | undefined> {
    const result = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: DUE_INDEX,
        KeyConditionExpression: 'duePk = :pk',
        ExpressionAttributeValues: { ':pk': pk },
        ProjectionExpression: 'dueSk',
        Limit: 1,
      }),
    );
    const first = result.Items?.[0]?.dueSk;
    return typeof first === 'string' ? first : undefined;
  }
}
