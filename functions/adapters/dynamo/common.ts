import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { memberPk } from './keys';

/** Building blocks every DynamoDB adapter shares: one copy of each. */

/** What every page of an index read reports besides its items: what it cost and where to go on. */
export interface IndexPageCost {
  /** Index items DynamoDB read for this page (`ScannedCount`): the cost of the page. */
  readonly read: number;
  /** Where the next page starts; absent on the last page. */
  readonly cursor?: Record<string, unknown>;
}

/** A write's condition did not hold (the SDK class, or its name when the class comes from another copy of the SDK). */
export function isConditionFailure(error: unknown): boolean {
  return error instanceof ConditionalCheckFailedException || (error as { name?: string }).name === 'ConditionalCheckFailedException';
}

/** The single-item conditional writes of the document client (a transaction cancels differently: see `runGuardedTransaction`). */
export type ConditionalWriteCommand = PutCommand | UpdateCommand | DeleteCommand;

/**
 * Sends one conditional write: `true` when it was written, `false` when its condition did not
 * hold. Every other failure (throttling, a timeout) is thrown, so the caller's retry decides.
 * The one copy of try / isConditionFailure / rethrow.
 */
export async function conditionalWrite(doc: DynamoDBDocumentClient, command: ConditionalWriteCommand): Promise<boolean> {
  try {
    // Each member of the union is sent on its own overload: the client has no send(union).
    if (command instanceof PutCommand) await doc.send(command);
    else if (command instanceof UpdateCommand) await doc.send(command);
    else await doc.send(command);
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/** A job's progress marker: one item whose `field` only ever moves forward (ISO dates and months sort as strings). */
export interface Watermark {
  readonly key: { readonly pk: string; readonly sk: string };
  readonly field: string;
}

export async function readWatermark(doc: DynamoDBDocumentClient, tableName: string, mark: Watermark): Promise<string | undefined> {
  const { Item } = await doc.send(new GetCommand({ TableName: tableName, Key: mark.key, ConsistentRead: true }));
  const value = Item?.[mark.field];
  return typeof value === 'string' ? value : undefined;
}

/** Moves the watermark forward to `value`; never back, whichever of two concurrent runs writes last. */
export async function advanceWatermark(
  doc: DynamoDBDocumentClient,
  tableName: string,
  mark: Watermark,
  value: string,
  now: Date,
): Promise<void> {
  // A failed condition means another run already moved it as far or further.
  await conditionalWrite(
    doc,
    new PutCommand({
      TableName: tableName,
      Item: { ...mark.key, type: 'watermark', [mark.field]: value, updatedAt: now.toISOString() },
      ConditionExpression: 'attribute_not_exists(pk) OR #field < :value',
      ExpressionAttributeNames: { '#field': mark.field },
      ExpressionAttributeValues: { ':value': value },
    }),
  );
}

/** Every item of a member whose sort key starts with `prefix`, in key order (one paginated Query). */
export async function queryMember(
  doc: DynamoDBDocumentClient,
  tableName: string,
  customerId: string,
  prefix: string,
  consistent: boolean,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let cursor: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': memberPk(customerId), ':prefix': prefix },
        ConsistentRead: consistent,
        ExclusiveStartKey: cursor,
      }),
    );
    items.push(...(page.Items ?? []));
    cursor = page.LastEvaluatedKey;
  } while (cursor);
  return items;
}

/**
 * Sums sharded counter items: for each partition of `pks`, every item whose sort key lies in
 * [`from`, `to`], its number attributes added up per sort key across the partitions. The one
 * copy of the reading of sharded counters (the report's, the flows').
 */
export async function sumShardedCounters(
  doc: DynamoDBDocumentClient,
  tableName: string,
  pks: readonly string[],
  from: string,
  to: string,
  consistent = true,
): Promise<Map<string, Record<string, number>>> {
  const sums = new Map<string, Record<string, number>>();
  await Promise.all(
    pks.map(async (pk) => {
      let cursor: Record<string, unknown> | undefined;
      do {
        const page = await doc.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
            ExpressionAttributeValues: { ':pk': pk, ':from': from, ':to': to },
            ConsistentRead: consistent,
            ExclusiveStartKey: cursor,
          }),
        );
        for (const item of page.Items ?? []) {
          const key = String(item.sk);
          const into = sums.get(key) ?? {};
          for (const [field, value] of Object.entries(item)) {
            if (field === 'pk' || field === 'sk' || field === 'type' || typeof value !== 'number') continue;
            into[field] = (into[field] ?? 0) + value;
          }
          sums.set(key, into);
        }
        cursor = page.LastEvaluatedKey;
      } while (cursor);
    }),
  );
  return sums;
}
