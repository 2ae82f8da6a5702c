/**
 * The one definition of Lojal's DynamoDB table: the CDK construct (lib/) deploys it and the
 * local copy and tests create it from it, so keys and indexes can never drift apart.
 *
 * Single-table layout (pk / sk):
 * - `MEMBER#<customerId>` / `PROFILE`            member profile (personal data, erased on delete)
 * - `MEMBER#<customerId>` / `L#~STATE`           balance, lifetime points, version, the notice
 *   watermark `wokeAt`; while the ledger job has work ahead for the member (expiry, a tier review,
 *   a warning, a notice) it sits in the `due` index under `WAKE#<00-15>`, sorted by `wakeAt`
 *   (functions/app/ledger-sweeper.ts), partitions the timeline never reads
 * - `MEMBER#<customerId>` / `RDM#<redemptionId>` a redemption's idempotency record: the request's
 *   hash and the answer, written in the redemption's transaction
 * - `REWARD#<rewardId>` / `STOCK`                how many of a reward have been redeemed (`issued`),
 *   raised in each redemption's transaction only while below the configured stock
 * - `REPORT#<group>#<0-7>` / `D#<date>`, `M#<yyyy-mm>`, `ALL`   report counters per group (treated,
 *   control) and shard, ADDed to in the ledger transaction they count; `REPORT#nps#<0-7>` / `D#<date>`
 *   the check-in answers per score, in the answer's transaction (docs/measurement.md)
 * - `ACCOUNT#<accountId>` / `STATE`            a B2B account's pool (`accounts.pooling: 'pool'`):
 *   `pooledPoints` and the `members` set, ADDed to in every ledger transaction of its members
 * - `MEMBER#<customerId>` / `L#<at>#<kind>#<ref>` one ledger entry per distinct event, ordered by
 *   business time; the state item sorts after every entry so one Query reads a window of the
 *   ledger and the state together (one round trip per order).
 * - `MEMBER#<customerId>` / `C#<at>#<ref>#<n>`   correction entries written when a late event
 *   re-prices later ones.
 * - `MEMBER#<customerId>` / `T#C#<orderId>`     the check-in of an order
 * - `MEMBER#<customerId>` / `T#R#<category>`     the replacement reminder of a category (one per
 *   customer and category; a newer purchase overwrites it), so the timeline is one Query of `T#`
 *   Both are written in the ledger transaction of the order or refund that changes them, so a
 *   refund re-plans its order from the order's ledger entry.
 * - `SWEEP#timeline` / `WATERMARK`               the month before which the `due` index is empty
 * - `MEMBER#<customerId>` / `CAL#anniversary`    the member's entry in the `calendar` index for the
 *   membership anniversary, and `CAL#birthday` for the birthday: written in the same transaction
 *   as the profile they are derived from, deleted with it (functions/domain/calendar.ts)
 * - `JOB#calendar-daily` / `WATERMARK`           the last local date the daily calendar job finished
 * - `MEMBER#<customerId>` / `AUDIENCE`           a registered member's entry in the `audience` index
 *   with the profile facts a broadcast's audience reads (consent, language, attributes): written
 *   in the same transaction as the profile, deleted with it (functions/adapters/dynamo/audience-store.ts)
 * - mail (functions/adapters/dynamo/mail-keys.ts): `MEMBER#<id>` / `MAIL#<kind>#<ref>` one mail's
 *   claim record, `MAILLOG#<at>#…` the mail log (every mail decision), `MAILCAP` the marketing cap, `NPS#<orderId>`
 *   a check-in answer; `SUPPRESS#<address hash>` / `SUPPRESSION`; `SWEEP#mail` / `WATERMARK`; deferred
 *   mail sits in the `due` index under `MAILDUE#<yyyy-mm>#<0-3>`, partitions the timeline never reads
 * - `MEMBER#<customerId>` / `CHALLENGE#<challengeId>` the member's score in a challenge, written in
 *   the ledger transaction that changed it; while above 0 it sits in the `board` index
 * - `CHALLENGE#<challengeId>` / `RESULT`        the decided winners (functions/app/challenge-results.ts)
 * (Ids inside keys are percent-encoded.)
 */
export type AttributeType = 'S' | 'N';

export interface KeyDefinition {
  readonly name: string;
  readonly type: AttributeType;
}

export interface IndexDefinition {
  readonly indexName: string;
  readonly partitionKey: KeyDefinition;
  readonly sortKey: KeyDefinition;
  /** Attributes copied into the index besides the keys. */
  readonly nonKeyAttributes: readonly string[];
}

export interface TableDefinition {
  readonly partitionKey: KeyDefinition;
  readonly sortKey: KeyDefinition;
  readonly timeToLiveAttribute: string;
  readonly globalSecondaryIndexes: readonly IndexDefinition[];
}

export const LOJAL_TABLE: TableDefinition = {
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  timeToLiveAttribute: 'expiresAt',
  globalSecondaryIndexes: [
    {
      // Timeline items waiting to be sent, by month bucket and shard (`DUE#<yyyy-mm>#<00-15>`),
      // sorted by when to look at them next (`dueSk`: the due time, a claim's lease expiry or a
      // retry time, UTC ISO). Sparse: only pending and claimed items carry `duePk`, so a sweep's
      // Query `dueSk <= now` reads exactly what is due, and 16 shards keep a burst (every quiet-
      // hours send lands at 08:00) off any one partition. See functions/app/sweep-due-items.ts.
      indexName: 'due',
      partitionKey: { name: 'duePk', type: 'S' },
      sortKey: { name: 'dueSk', type: 'S' },
      nonKeyAttributes: ['status', 'kind', 'leaseUntil'],
    },
    {
      // Members by calendar day (`CAL#<MM-DD>#<0-3>`) for anniversaries and birthdays, sorted by
      // `A#<registration date>#<id>` or `B#<birthday>#<id>`: the daily job reads a day's partitions
      // whole, and a perk earned N months after registration reads one registration date by prefix.
      // Four shards spread a bulk import (every member registered the same day) over partitions.
      indexName: 'calendar',
      partitionKey: { name: 'calPk', type: 'S' },
      sortKey: { name: 'calSk', type: 'S' },
      nonKeyAttributes: ['customerId', 'registeredAt', 'birthday'],
    },
    {
      // Registered members by registration month-day (`AUD#<MM-DD>#<0-3>`, the calendar's
      // partitions), each item carrying the facts a broadcast's `audience` filters on, so a
      // broadcast slice reads one index item per member and nothing else when the audience names
      // only profile facts (docs/flows.md, "Broadcasts"). Sparse: only `AUDIENCE` items carry `audPk`.
      indexName: 'audience',
      partitionKey: { name: 'audPk', type: 'S' },
      sortKey: { name: 'audSk', type: 'S' },
      nonKeyAttributes: ['customerId', 'facts'],
    },
    {
      // Challenge leaderboards: `BOARD#<challengeId>`, sorted by zero-padded score then member,
      // so the top N is one Query read backwards with Limit N (one item read per row shown).
      // Sparse: only scores above 0 carry `boardPk`. One partition per challenge on purpose: a
      // board is written at most once per ledger write of an entrant, far below the thousand
      // writes a second a partition takes, and sharding it would multiply every top-N read.
      indexName: 'board',
      partitionKey: { name: 'boardPk', type: 'S' },
      sortKey: { name: 'boardSk', type: 'S' },
      nonKeyAttributes: ['customerId', 'score'],
    },
  ],
};

/** The CreateTable request for DynamoDB Local and tests, derived from `LOJAL_TABLE`. */
export function createTableInput(tableName: string) {
  const def = LOJAL_TABLE;
  const attributes = new Map<string, AttributeType>();
  for (const key of [def.partitionKey, def.sortKey, ...def.globalSecondaryIndexes.flatMap((i) => [i.partitionKey, i.sortKey])]) {
    attributes.set(key.name, key.type);
  }
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST' as const,
    AttributeDefinitions: [...attributes].map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType })),
    KeySchema: [
      { AttributeName: def.partitionKey.name, KeyType: 'HASH' as const },
      { AttributeName: def.sortKey.name, KeyType: 'RANGE' as const },
    ],
    GlobalSecondaryIndexes: def.globalSecondaryIndexes.map((index) => ({
      IndexName: index.indexName,
      KeySchema: [
        { AttributeName: index.partitionKey.name, KeyType: 'HASH' as const },
        { AttributeName: index.sortKey.name, KeyType: 'RANGE' as const },
      ],
      Projection: { ProjectionType: 'INCLUDE' as const, NonKeyAttributes: [...index.nonKeyAttributes] },
    })),
  };
}
