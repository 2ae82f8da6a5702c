import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { AttributeValue } from '../../domain/attributes';
import { calendarEntriesOf, monthDayOf } from '../../domain/calendar';
import type { Profile } from '../../domain/profile';
import type { ItemKey } from './calendar-store';
import { runGuardedTransaction } from './transactions';
import { AUDIENCE_SK, audiencePk, audienceSk, calendarShard, memberPk, PROFILE_SK } from './keys';

export const AUDIENCE_INDEX = 'audience';

/**
 * The profile facts a broadcast's `audience` filters on, as the `audience` index carries them:
 * what the member view's facts take from the profile (docs/flows.md, "Conditions"). The ledger's
 * figures (tier, balance, …) are not here: the ledger's own transaction is their one writer, so
 * a broadcast whose audience names one reads the member's state item too (run-flows.ts).
 */
export interface AudienceFacts {
  readonly marketingConsent: boolean;
  readonly locale?: string;
  /** Every attribute with a value (clears left out); the flows engine keeps the declared ones. */
  readonly attributes?: Readonly<Record<string, AttributeValue>>;
}

/** The member's facts as a profile gives them: consent only while not unsubscribed. */
export function audienceFactsOf(profile: Profile): AudienceFacts {
  const attributes = Object.fromEntries(Object.entries(profile.attributes ?? {}).filter(([, v]) => v !== null)) as Record<
    string,
    AttributeValue
  >;
  return {
    marketingConsent: profile.values.marketingConsent === true && profile.unsubscribedAt === undefined,
    ...(profile.values.locale !== undefined ? { locale: profile.values.locale } : {}),
    ...(Object.keys(attributes).length > 0 ? { attributes } : {}),
  };
}

/**
 * The member's `AUDIENCE` item for a profile, or undefined for a member who is not registered
 * (no `registeredAt`, or deleted): in the index partition of their registration month-day, as
 * the calendar's anniversary entry, so the broadcast's slices stay the calendar's.
 */
export function audienceRecord(profile: Profile | undefined, clientTimeZone: string): Record<string, unknown> | undefined {
  const anniversary = calendarEntriesOf(profile, clientTimeZone).find((e) => e.kind === 'anniversary');
  if (!profile || !anniversary) return undefined;
  return {
    pk: memberPk(profile.customerId),
    sk: AUDIENCE_SK,
    type: 'audience',
    customerId: profile.customerId,
    audPk: audiencePk(monthDayOf(anniversary.date), calendarShard(profile.customerId)),
    audSk: audienceSk(profile.customerId),
    facts: audienceFactsOf(profile),
  };
}

/** The write that turns the member's audience item from `before`'s into `after`'s; nothing when they agree. */
export function audienceChanges(
  customerId: string,
  before: Profile | undefined,
  after: Profile,
  clientTimeZone: string,
): { puts: Record<string, unknown>[]; deletes: ItemKey[] } {
  const was = audienceRecord(before, clientTimeZone);
  const now = audienceRecord(after, clientTimeZone);
  if (now && JSON.stringify(now) !== JSON.stringify(was)) return { puts: [now], deletes: [] };
  if (!now && was) return { puts: [], deletes: [{ pk: memberPk(customerId), sk: AUDIENCE_SK }] };
  return { puts: [], deletes: [] };
}

/** One page of a partition of the `audience` index. */
export interface AudiencePage {
  readonly members: readonly { readonly customerId: string; readonly facts: AudienceFacts }[];
  /** Index items read. */
  readonly read: number;
  readonly cursor?: Record<string, unknown>;
}

/** The DynamoDB adapter of the `audience` index: the registered members a broadcast enumerates, with their facts. */
export class AudienceStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** One page of the members registered on a month-day, on one shard: one index item per member. */
  async page(monthDay: string, shard: number, limit: number, cursor?: Record<string, unknown>): Promise<AudiencePage> {
    const result = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: AUDIENCE_INDEX,
        KeyConditionExpression: 'audPk = :pk',
        ExpressionAttributeValues: { ':pk': audiencePk(monthDay, shard) },
        ProjectionExpression: 'customerId, facts',
        Limit: limit,
        ExclusiveStartKey: cursor,
      }),
    );
    return {
      members: (result.Items ?? []).flatMap((i) =>
        typeof i.customerId === 'string'
          ? [{ customerId: i.customerId, facts: (i.facts ?? { marketingConsent: false }) as AudienceFacts }]
          : [],
      ),
      read: result.ScannedCount ?? result.Count ?? 0,
      ...(result.LastEvaluatedKey ? { cursor: result.LastEvaluatedKey } : {}),
    };
  }

  /**
   * Writes a member's audience item if it has none, as long as the profile is still at `version`
   * (one transaction): a profile write racing it has written the item itself, or found nothing
   * to change, and a deletion racing it leaves no item behind: `moved` (read the profile again).
   * `exists` when the member has an item already.
   */
  async putIfAbsent(record: Record<string, unknown>, profileVersion: number): Promise<'committed' | 'moved' | 'exists'> {
    return runGuardedTransaction<'moved' | 'exists'>(
      this.doc,
      [
        {
          item: {
            ConditionCheck: {
              TableName: this.tableName,
              Key: { pk: record.pk, sk: PROFILE_SK },
              ConditionExpression: '#v = :v',
              ExpressionAttributeNames: { '#v': 'version' },
              ExpressionAttributeValues: { ':v': profileVersion },
            },
          },
          failsAs: 'moved',
        },
        {
          item: { Put: { TableName: this.tableName, Item: record, ConditionExpression: 'attribute_not_exists(pk)' } },
          failsAs: 'exists',
        },
      ],
      'moved',
    );
  }
}
