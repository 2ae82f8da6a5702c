/** Key builders for the single-table layout documented in table-definition.ts. */
export const memberPk = (customerId: string): string => `MEMBER#${customerId}`;
export const PROFILE_SK = 'PROFILE';
export const LEDGER_PREFIX = 'L#';
/** Sorts after every ledger entry (`L#2…`), so a Query of `L#` returns the entries and the state together. */
export const STATE_SK = 'L#~STATE';
/** Upper bound of the ledger entries alone (excludes the state item). */
export const LEDGER_END = 'L#~';

export const ledgerSk = (atIso: string, kind: string, ref: string): string => `L#${new Date(atIso).toISOString()}#${kind}#${ref}`;
export const correctionSk = (atIso: string, triggerKey: string): string => `L#${new Date(atIso).toISOString()}#~fix#${triggerKey}`;

/** Ids go into keys percent-encoded, so a `#` in an order id can never fake a key boundary. */
const keyPart = (id: string): string => encodeURIComponent(id);

export const TIMELINE_PREFIX = 'T#';
/** One check-in per order. */
export const checkinSk = (orderId: string): string => `T#C#${keyPart(orderId)}`;
/** One replacement reminder per customer and category: a repurchase overwrites it with one conditional write. */
export const reminderSk = (category: string): string => `T#R#${keyPart(category)}`;
/** Partitions per month bucket of the `due` index. */
export const DUE_SHARDS = 16;
/** `yyyy-mm` of a UTC ISO instant: the time bucket of the `due` index. */
export const dueMonth = (iso: string): string => iso.slice(0, 7);
export const duePk = (month: string, shard: number): string => `DUE#${month}#${String(shard).padStart(2, '0')}`;
/** A stable shard per item (FNV-1a of its key), so re-indexing an item keeps it on its shard. */
export function dueShard(pk: string, sk: string): number {
  let hash = 0x811c9dc5;
  const text = `${pk}\n${sk}`;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % DUE_SHARDS;
}
/** The sweeper's watermark: every month bucket before it is known to be empty. */
export const SWEEP_WATERMARK_KEY = { pk: 'SWEEP#timeline', sk: 'WATERMARK' } as const;

/** A member's calendar entries: one item per kind under the member, so one member can sit on two days. */
export const calendarSk = (kind: 'anniversary' | 'birthday'): string => `CAL#${kind}`;
/**
 * Partitions per month-day of the `calendar` index. Four spread a bulk import (every member
 * registered the same day) over four GSI partitions, while a day's run stays at four Queries per
 * month-day. Changing it moves every entry: re-index the calendar items when you do.
 */
export const CALENDAR_SHARDS = 4;
/** `CAL#<MM-DD>#<shard>`: the `calendar` index partition of a month-day. */
export const calendarPk = (monthDay: string, shard: number): string => `CAL#${monthDay}#${shard}`;
/** `A#<registration date>#<id>` or `B#<birthday>#<id>`: a perk reads one registration date by prefix. */
export const calendarIndexSk = (kind: 'anniversary' | 'birthday', date: string, customerId: string): string =>
  `${calendarSkPrefix(kind, date)}${keyPart(customerId)}`;
export const calendarSkPrefix = (kind: 'anniversary' | 'birthday', date: string): string =>
  `${kind === 'anniversary' ? 'A' : 'B'}#${date}#`;
/** A stable shard per member (FNV-1a of the id): both of a member's entries share it. */
export function calendarShard(customerId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < customerId.length; i++) {
    hash ^= customerId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % CALENDAR_SHARDS;
}
/** The daily calendar job's watermark: the last local date it finished. */
export const CALENDAR_WATERMARK_KEY = { pk: 'JOB#calendar-daily', sk: 'WATERMARK' } as const;

/**
 * A member's ledger wake-up in the `due` index: the member's state item carries
 * `duePk = WAKE#<00-15>` (a stable shard per member) and `dueSk = <UTC ISO>`, the earliest instant
 * the ledger job has work for the member. Apart from the timeline's `DUE#<month>#<shard>`
 * partitions, so neither sweeper reads the other's items.
 */
export const wakePk = (shard: number): string => `WAKE#${String(shard).padStart(2, '0')}`;
export const wakeShard = (customerId: string): number => dueShard(memberPk(customerId), STATE_SK);
/** A redemption's idempotency record: the request it answered and the answer. */
export const redemptionSk = (redemptionId: string): string => `RDM#${keyPart(redemptionId)}`;
/** How many of a reward have been redeemed, across members. */
export const rewardStockKey = (rewardId: string) => ({ pk: `REWARD#${keyPart(rewardId)}`, sk: 'STOCK' }) as const;

/** A B2B account's pooled points and members (`accounts.pooling: 'pool'`). */
export const accountKey = (accountId: string): { pk: string; sk: string } => ({ pk: `ACCOUNT#${keyPart(accountId)}`, sk: 'STATE' });

/** A member's score in a challenge: one item per member and challenge, in the `board` index while the score is above 0. */
export const challengeScoreSk = (challengeId: string): string => `CHALLENGE#${keyPart(challengeId)}`;
/** A challenge's leaderboard: one `board` index partition. */
export const boardPk = (challengeId: string): string => `BOARD#${keyPart(challengeId)}`;
/**
 * Sorts a board by score (zero-padded, so string order is number order; 15 digits hold any
 * safe integer's points), then by member: read backwards, the best come first.
 */
export const boardSk = (score: number, customerId: string): string => `${boardScore(score)}#${keyPart(customerId)}`;
const boardScore = (score: number): string => String(score).padStart(15, '0');
/** Sorts after every board key of `score` and before every key of a higher score (`$` follows `#`). */
export const boardAbove = (score: number): string => `${boardScore(score)}$`;
/** A challenge's decided result: the winners, frozen, and how far paying and announcing them got. */
export const challengeResultKey = (challengeId: string) => ({ pk: `CHALLENGE#${keyPart(challengeId)}`, sk: 'RESULT' }) as const;

/** A flow run: one item per member, flow and run key (docs/flows.md). */
export const FLOW_RUN_PREFIX = 'FR#';
export const flowRunPrefix = (flowId: string): string => `${FLOW_RUN_PREFIX}${flowId}#`;
export const flowRunSk = (flowId: string, runKey: string): string => `${flowRunPrefix(flowId)}${keyPart(runKey)}`;
/** The run's wake-up in the `due` index (its wait, its waitFor's time, its inactivity clock): one per run. */
export const flowWakeSk = (flowId: string, runKey: string): string => `FW#${flowId}#${keyPart(runKey)}`;
/** An action a transition committed and not yet confirmed done (the outbox); in the `due` index for recovery. */
export const flowActionSk = (key: string): string => `FX#${keyPart(key)}`;
/** Shards of a flow's counters: spread one popular flow's writes over several partitions. */
export const FLOW_COUNTER_SHARDS = 8;
export const flowCounterPk = (flowId: string, shard: number): string => `REPORT#FLOW#${flowId}#${shard}`;
export const flowCounterSk = (day: string): string => `DAY#${day}`;
/** A broadcast flow's due item (docs/flows.md, "Broadcasts"): one per flow and instant, under the sweeper's key space. */
export const broadcastKey = (flowId: string, at: string) => ({ pk: `SWEEP#broadcast#${flowId}`, sk: `AT#${at}` }) as const;

/**
 * A registered member's entry in the `audience` index (docs/flows.md, "Broadcasts"): one item per
 * member carrying the profile facts a broadcast's `audience` filters on, written in the profile's
 * transaction. Partitioned like the calendar's anniversary entries (registration month-day and
 * the member's calendar shard), so a broadcast's 1 464 slices each read one partition.
 */
export const AUDIENCE_SK = 'AUDIENCE';
export const audiencePk = (monthDay: string, shard: number): string => `AUD#${monthDay}#${shard}`;
export const audienceSk = (customerId: string): string => keyPart(customerId);
