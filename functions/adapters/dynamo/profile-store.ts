import { type DynamoDBDocumentClient, GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { PROFILE_FIELDS, type Profile, type ProfileValues } from '../../domain/profile';
import { memberPk, PROFILE_SK } from './keys';

/** Items derived from the profile (its calendar entries), written or deleted together with it. */
export interface DerivedWrites {
  readonly puts: readonly Record<string, unknown>[];
  readonly deletes: readonly { readonly pk: string; readonly sk: string }[];
}

export interface StoredProfile {
  readonly profile: Profile;
  readonly version: number;
}

/** A profile item as stored, read back (for readers that batch it with other reads). */
export function storedProfileOf(customerId: string, Item: Record<string, unknown> | undefined): StoredProfile | undefined {
  if (!Item) return undefined;
  const values: ProfileValues = {};
  for (const field of PROFILE_FIELDS) if (Item[field] !== undefined) (values as Record<string, unknown>)[field] = Item[field];
  return {
    profile: {
      customerId,
      values,
      fieldAt: (Item.fieldAt ?? {}) as Profile['fieldAt'],
      ...(typeof Item.deletedAt === 'number' ? { deletedAt: Item.deletedAt } : {}),
      ...(typeof Item.unsubscribedAt === 'number' ? { unsubscribedAt: Item.unsubscribedAt } : {}),
      ...(Item.unsubscribeReason === 'unsubscribe' || Item.unsubscribeReason === 'complaint' || Item.unsubscribeReason === 'bounce'
        ? { unsubscribeReason: Item.unsubscribeReason }
        : {}),
      ...(Item.attributes && typeof Item.attributes === 'object'
        ? { attributes: Item.attributes as Profile['attributes'], attributeAt: (Item.attributeAt ?? {}) as Profile['attributeAt'] }
        : {}),
    },
    version: Number(Item.version ?? 0),
  };
}

/** The DynamoDB adapter for member profiles (the only personal data Lojal keeps). */
export class ProfileStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(customerId: string, consistent = true): Promise<StoredProfile | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: memberPk(customerId), sk: PROFILE_SK }, ConsistentRead: consistent }),
    );
    return storedProfileOf(customerId, Item);
  }

  /**
   * Replaces the profile if nobody else changed it since `expectedVersion`; false when someone
   * did. `derived` items go in the same transaction, guarded by the same version, so they can
   * never be left behind by, or overwrite, a newer profile.
   */
  async put(profile: Profile, expectedVersion: number, derived: DerivedWrites = { puts: [], deletes: [] }): Promise<boolean> {
    const put = {
      TableName: this.tableName,
      Item: {
        pk: memberPk(profile.customerId),
        sk: PROFILE_SK,
        type: 'profile',
        customerId: profile.customerId,
        ...profile.values,
        fieldAt: profile.fieldAt,
        ...(profile.deletedAt !== undefined ? { deletedAt: profile.deletedAt } : {}),
        ...(profile.unsubscribedAt !== undefined
          ? { unsubscribedAt: profile.unsubscribedAt, unsubscribeReason: profile.unsubscribeReason }
          : {}),
        ...(profile.attributes !== undefined ? { attributes: profile.attributes, attributeAt: profile.attributeAt ?? {} } : {}),
        version: expectedVersion + 1,
      },
      ConditionExpression: expectedVersion === 0 ? 'attribute_not_exists(pk)' : '#v = :v',
      ...(expectedVersion === 0
        ? {}
        : { ExpressionAttributeNames: { '#v': 'version' }, ExpressionAttributeValues: { ':v': expectedVersion } }),
    };
    try {
      if (derived.puts.length === 0 && derived.deletes.length === 0) {
        await this.doc.send(new PutCommand(put));
      } else {
        await this.doc.send(
          new TransactWriteCommand({
            TransactItems: [
              { Put: put },
              ...derived.puts.map((Item) => ({ Put: { TableName: this.tableName, Item } })),
              ...derived.deletes.map((Key) => ({ Delete: { TableName: this.tableName, Key } })),
            ],
          }),
        );
      }
      return true;
    } catch (error) {
      if (isVersionConflict(error)) return false;
      throw error;
    }
  }
}

/** The profile's version condition failed, alone or as the first item of a transaction. */
function isVersionConflict(error: unknown): boolean {
  const name = (error as { name?: string }).name;
  if (error instanceof ConditionalCheckFailedException || name === 'ConditionalCheckFailedException') return true;
  if (error instanceof TransactionCanceledException || name === 'TransactionCanceledException') {
    const reasons = (error as TransactionCanceledException).CancellationReasons ?? [];
    // Only the profile put carries a condition; a conflict with a concurrent transaction is retried too.
    return reasons.some((r) => r.Code === 'ConditionalCheckFailed' || r.Code === 'TransactionConflict');
  }
  return false;
}
