import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { MeasurementGroup } from '../../domain/measurement/groups';
import type { CounterChange } from '../../domain/measurement/outcomes';
import type { TransactItem } from './transactions';
import { sumShardedCounters } from './common';

/**
 * The report counters (docs/measurement.md): `REPORT#<group>#<shard>` / `<bucket>` items whose
 * numeric attributes are sums over members, kept by `ADD` in the same transaction as the ledger
 * or check-in write they count. Spread over `REPORT_SHARDS` partitions per group (a stable shard
 * per member), so a busy day does not make one hot item; a report reads every shard's buckets
 * in a range with one Query each and adds them up.
 */
export const REPORT_SHARDS = 8;
export type ReportSpace = MeasurementGroup | 'nps';
export const reportPk = (space: ReportSpace, shard: number): string => `REPORT#${space}#${shard}`;

/** A stable shard per member (FNV-1a of the id). */
export function reportShard(customerId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < customerId.length; i++) {
    hash ^= customerId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % REPORT_SHARDS;
}

/** Attribute names are the counter fields, which may hold a campaign id: referred to by placeholder only. */
export function counterUpdate(tableName: string, space: ReportSpace, shard: number, change: CounterChange): TransactItem {
  const fields = Object.entries(change.add);
  return {
    Update: {
      TableName: tableName,
      Key: { pk: reportPk(space, shard), sk: change.bucket },
      UpdateExpression: `SET #type = :type ADD ${fields.map((_, i) => `#f${i} :v${i}`).join(', ')}`,
      ExpressionAttributeNames: { '#type': 'type', ...Object.fromEntries(fields.map(([name], i) => [`#f${i}`, name])) },
      ExpressionAttributeValues: { ':type': 'report', ...Object.fromEntries(fields.map(([, value], i) => [`:v${i}`, value])) },
    },
  };
}

/** Counter sums per bucket. */
export type CounterSums = Map<string, Record<string, number>>;

/** Reads the report counters, summed over shards: no member item is read. */
export class ReportCounters {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Every bucket of `space` whose key lies in [`fromBucket`, `toBucket`], summed over the shards. */
  async read(space: ReportSpace, fromBucket: string, toBucket: string): Promise<CounterSums> {
    const pks = Array.from({ length: REPORT_SHARDS }, (_, shard) => reportPk(space, shard));
    return sumShardedCounters(this.doc, this.tableName, pks, fromBucket, toBucket);
  }
}
