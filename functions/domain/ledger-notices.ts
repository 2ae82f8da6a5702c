import { createHash } from 'node:crypto';
import type { ProgramConfig } from '../config/program';
import type { PointsExpiring, RewardEarned, TierChanged, TierExpiring } from '../contract/lojal-events';
import type { LojalEvent } from '../runtime/event-publisher';
import { localDateAt } from './calendar';
import { entryKey, type LedgerFold, type LedgerInput } from './points';
import { DAY_MS } from './time';

/**
 * What the ledger tells the rest of Lojal, as a pure function of a member's fold: `tier.changed`,
 * `tier.expiring`, `reward.earned` and `points.expiring`, each at the instant it became due and
 * with an idempotency key that names it, so the same notice computed twice is the same event.
 *
 * Who sends them: only the ledger job. Every member's state keeps a watermark `wokeAt`: every
 * notice of the member's current fold due at or before it has been put on the bus. The job sends
 * the notices due in `(wokeAt, now]` and moves the watermark to now; a ledger write that makes a
 * notice appear at or before the watermark (a late event, say an earlier order that lifts a
 * tier) moves the watermark back below it instead, so the job sends it (and, harmlessly, the
 * notices after it again: consumers act once per key). The state's wake-up time, the earliest
 * notice or time-driven step after the watermark, puts the member in front of the job.
 */

export interface LedgerNotice {
  /** The event's idempotency key. */
  readonly key: string;
  /** When it became due (ms). */
  readonly at: number;
  readonly event: LojalEvent;
}

/** Notices this late are not sent (an import of old history, a long outage): the moment for the email has passed. */
export const NOTICE_STALE_MS = 7 * DAY_MS;

const iso = (ms: number) => new Date(ms).toISOString();

/** The code of the `count`-th spend reward of a member: the same however often it is computed. */
export function spendRewardCode(clientId: string, customerId: string, rewardId: string, count: number): string {
  return rewardCode(rewardId, createHash('sha256').update(`${clientId}\n${customerId}\n${rewardId}\n${count}`).digest());
}

/** A reward code: the reward's id and 64 bits in Crockford's base 32 (no I, L, O or U to misread). */
export function rewardCode(rewardId: string, bits: Uint8Array): string {
  return `${rewardId.toUpperCase().slice(0, 20)}-${crockford(bits.subarray(0, 8))}`;
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
function crockford(bytes: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += CROCKFORD[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out;
}

/** Every notice of a member's fold, due ones and future ones (spend counted after a return window), oldest first. */
export function ledgerNotices(config: ProgramConfig, customerId: string, fold: LedgerFold, inputs: readonly LedgerInput[]): LedgerNotice[] {
  const notices: LedgerNotice[] = [];
  const multiplierOf = (name: string) => config.tiers.find((t) => t.name === name)?.multiplier ?? 1;

  for (const change of fold.tierChanges) {
    const detail: TierChanged = {
      idempotencyKey: `tier:${customerId}:${iso(change.at)}:${change.to}`,
      customerId,
      from: change.from,
      to: change.to,
      direction: change.direction,
      at: iso(change.at),
      multiplier: multiplierOf(change.to),
      qualifyingPoints: Math.max(0, change.qualifying),
      reviewAt: change.reviewAt === null ? null : iso(change.reviewAt),
    };
    notices.push({ key: detail.idempotencyKey, at: change.at, event: { detailType: 'tier.changed', detail } });
  }

  for (const warning of fold.tierWarnings) {
    const detail: TierExpiring = {
      idempotencyKey: `tier-review:${customerId}:${iso(warning.reviewAt)}`,
      customerId,
      tier: warning.tier,
      reviewAt: iso(warning.reviewAt),
      projectedTier: warning.projectedTier,
      qualifyingPoints: Math.max(0, warning.qualifying),
      requiredPoints: warning.required,
      pointsToKeep: Math.max(1, warning.required - warning.qualifying),
      at: iso(warning.at),
    };
    notices.push({ key: detail.idempotencyKey, at: warning.at, event: { detailType: 'tier.expiring', detail } });
  }

  for (const warning of fold.expiryWarnings) {
    // The last valid day is the one before the expiry instant, in the client's calendar.
    const lastValidDate = localDateAt(warning.expiresAt - 1, config.timeZone);
    const detail: PointsExpiring = {
      idempotencyKey: `points-expiring:${customerId}:${lastValidDate}`,
      customerId,
      points: warning.points,
      expiresAt: iso(warning.expiresAt),
      lastValidDate,
      balance: warning.balance,
      at: iso(warning.at),
    };
    notices.push({ key: detail.idempotencyKey, at: warning.at, event: { detailType: 'points.expiring', detail } });
  }

  for (const input of inputs) {
    if (input.kind !== 'redemption' || !input.reward || !fold.entries.has(entryKey('redemption', input.ref))) continue;
    const at = Date.parse(input.at);
    const detail: RewardEarned = {
      idempotencyKey: `reward:${customerId}:redemption:${input.ref}`,
      customerId,
      source: 'redemption',
      rewardId: input.reward.id,
      rewardName: input.reward.name,
      code: input.reward.code,
      at: iso(at),
      validUntil: input.reward.validUntil,
      points: input.points,
    };
    notices.push({ key: detail.idempotencyKey, at, event: { detailType: 'reward.earned', detail } });
  }

  for (const reached of fold.spendRewards) {
    const reward = config.spendRewards.find((r) => r.id === reached.rewardId);
    if (!reward) continue;
    const detail: RewardEarned = {
      idempotencyKey: `reward:${customerId}:spend:${reward.id}:${reached.count}`,
      customerId,
      source: 'spend',
      rewardId: reward.id,
      rewardName: reward.name,
      code: spendRewardCode(config.clientId, customerId, reward.id, reached.count),
      at: iso(reached.at),
      validUntil: reward.validDays === null ? null : iso(reached.at + reward.validDays * DAY_MS),
      spend: { currency: reward.currency, everyMinor: reward.everyMinor, count: reached.count },
    };
    notices.push({ key: detail.idempotencyKey, at: reached.at, event: { detailType: 'reward.earned', detail } });
  }

  return notices.sort((a, b) => a.at - b.at || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** The notices the job sends at `now`: due after the watermark, not stale. */
export function noticesToSend(notices: readonly LedgerNotice[], wokeAt: number | undefined, now: number): LedgerNotice[] {
  return notices.filter((n) => (wokeAt === undefined || n.at > wokeAt) && n.at <= now && n.at >= now - NOTICE_STALE_MS);
}

/**
 * The watermark after a write changed the fold from `before` to `after`: lowered just below any
 * notice that now falls at or before it but was not there (at or before it) before, which the
 * job has therefore never sent.
 */
export function watermarkAfter(
  before: readonly LedgerNotice[],
  after: readonly LedgerNotice[],
  wokeAt: number | undefined,
): number | undefined {
  if (wokeAt === undefined) return undefined;
  const sent = new Set(before.filter((n) => n.at <= wokeAt).map((n) => n.key));
  let mark = wokeAt;
  for (const n of after) if (n.at <= wokeAt && !sent.has(n.key) && n.at - 1 < mark) mark = n.at - 1;
  return mark;
}

/**
 * When the job should next look at the member: the earliest of a notice after the watermark, a
 * time-driven step of the fold (a review, a warning), and points past their expiry that an
 * expiry entry should take. Undefined when there is nothing to wait for.
 */
export function nextWakeAt(fold: LedgerFold, notices: readonly LedgerNotice[], wokeAt: number | undefined): number | undefined {
  let wake: number | undefined;
  const consider = (at: number) => {
    if (wake === undefined || at < wake) wake = at;
  };
  for (const n of notices) if (wokeAt === undefined || n.at > wokeAt) consider(n.at);
  if (fold.nextCheckpoint !== null) consider(fold.nextCheckpoint);
  for (const lot of fold.lots) if (lot.remaining > 0 && lot.expiresAt !== null) consider(lot.expiresAt);
  return wake;
}
