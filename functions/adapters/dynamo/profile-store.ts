import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PROFILE_FIELDS, type Profile, type ProfileValues } from '../../domain/profile';
import { memberPk, PROFILE_SK } from './keys';

export interface StoredProfile {
  readonly profile: Profile;
  readonly version: number;
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
    if (!Item) return undefined;
    const values: ProfileValues = {};
    for (const field of PROFILE_FIELDS) if (Item[field] !== undefined) (values as Record<string, unknown>)[field] = Item[field];
    return {
      profile: {
        customerId,
        values,
        fieldAt: (Item.fieldAt ?? {}) as Profile['fieldAt'],
        ...(typeof Item.deletedAt === 'number' ? { deletedAt: Item.deletedAt } : {}),
      },
      version: Number(Item.version ?? 0),
    };
  }

  /** Replaces the profile if nobody else changed it since `expectedVersion`; false when someone did. */
  async put(profile: Profile, expectedVersion: number): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: memberPk(profile.customerId),
            sk: PROFILE_SK,
            type: 'profile',
            customerId: profile.customerId,
            ...profile.values,
            fieldAt: profile.fieldAt,
            ...(profile.deletedAt !== undefined ? { deletedAt: profile.deletedAt } : {}),
            version: expectedVersion + 1,
          },
          ConditionExpression: expectedVersion === 0 ? 'attribute_not_exists(pk)' : '#v = :v',
          ...(expectedVersion === 0 ? {} : { ExpressionAttributeNames: { '#v': 'version' }, ExpressionAttributeValues: { ':v': expectedVersion } }),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException || (error as { name?: string }).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }
}
