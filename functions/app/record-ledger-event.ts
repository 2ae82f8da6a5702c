import type { ProgramConfig } from '../config/program';
import type {
  LedgerCommit,
  LedgerSnapshot,
  LedgerStore,
  MemberState,
  StoredCorrection,
  StoredEntry,
} from '../adapters/dynamo/ledger-store';
import {
  type AccountFact,
  currentAccount,
  mergeAccountFacts,
  type PoolChange,
  poolChanges,
  poolContributions,
} from '../domain/account-pool';
import { challengeScores } from '../domain/challenges';
import { groupOf } from '../domain/measurement/groups';
import { contributionOf, counterChanges } from '../domain/measurement/outcomes';
import { memberViewOf } from '../domain/member-view';
import { type LedgerNotice, ledgerNotices, nextWakeAt, noticesToSend, watermarkAfter } from '../domain/ledger-notices';
import {
  entryKey,
  foldLedger,
  type LedgerFold,
  type LedgerInput,
  type OrderInput,
  type PricedEntry,
  type RefundInput,
} from '../domain/points';
import {
  orderTimelineChanges,
  refundTimelineChanges,
  slotOf,
  type TimelineChange,
  type TimelineOrder,
  type TimelineRefund,
} from '../domain/timeline';
import { ConcurrentUpdateError } from '../runtime/errors';
import type { Clock, LoggerPort, MetricsPort } from '../runtime/ports';
import type { LedgerCache } from './ledger-cache';

export interface LedgerDeps {
  readonly config: ProgramConfig;
  readonly ledger: LedgerStore;
  readonly clock: Clock;
  readonly logger: LoggerPort;
  readonly metrics: MetricsPort;
  /** Optional snapshot cache; without it every event reads the ledger first. */
  readonly cache?: LedgerCache;
}

export type RecordOutcome =
  | {
      readonly outcome: 'applied';
      readonly points: number;
      readonly corrected: number;
      readonly balance: number;
      readonly fold: LedgerFold;
      /** The timeline changes written with the entry. */
      readonly timeline: readonly TimelineChange[];
    }
  /** The entry was there already; `existing` is it, when this attempt read it. */
  | { readonly outcome: 'duplicate'; readonly existing?: StoredEntry };

/** What `writeLedgerInput` may answer besides: a redemption's own conditions failed (its id was recorded meanwhile, or the reward sold out). */
export type WriteOutcome = RecordOutcome | { readonly outcome: 'redemption-exists' } | { readonly outcome: 'sold-out' };

export interface RecordOptions {
  /**
   * Checked on every attempt against the fold before and after the input, before anything is
   * written; throw (e.g. a `ConflictError` for too few points) to refuse the input.
   */
  readonly check?: (plan: LedgerPlan) => void;
  /** A redemption's idempotency record (which may quote the plan) and reward stock, written in the same transaction. */
  readonly redemption?: (plan: LedgerPlan) => NonNullable<LedgerCommit['redemption']>;
  /** An order's `accountId`, as a fact at the order's time (see `planLedgerCommit`); ignored unless pooling is on. */
  readonly account?: AccountFact;
}

/**
 * Facts from the member's profile that a ledger write records in the state, so the writes that
 * need them find them in the snapshot they already hold: registration and deletion decide
 * challenge entry and cancel the timeline, the time zone plans an order's timeline.
 */
export interface MembershipFacts {
  /** Registration (ISO); the earliest one seen is kept. */
  readonly joinedAt?: string;
  /** Deletion (ISO); the earliest one seen is kept. */
  readonly leftAt?: string;
  /** The customer's IANA time zone as of a profile change at `at` (ISO); the newest wins, as in the profile. */
  readonly timeZone?: { readonly value: string; readonly at: string };
  /** With `accounts.pooling: 'pool'`: the member belongs to `accountId` from `at` on (functions/domain/account-pool.ts). */
  readonly account?: AccountFact;
}

export interface PlanOptions extends MembershipFacts {
  /** Timeline slots found moved on by an earlier attempt (`{ moved }`): their changes are left out. */
  readonly movedSlots?: ReadonlySet<string>;
}

/** A ledger write worked out from a snapshot: what to write and, for the ledger job, what to send first. */
export interface LedgerPlan {
  /** The fold before the input, at the time of the write. */
  readonly before: LedgerFold;
  /** The fold with it. */
  readonly after: LedgerFold;
  /** The new entry as priced, when there is an input. */
  readonly priced?: PricedEntry;
  readonly commit: Omit<LedgerCommit, 'redemption'>;
  /** Points by which earlier entries were re-priced. */
  readonly corrected: number;
  /** Notices the ledger job puts on the bus before it writes (always empty for other writers). */
  readonly send: readonly LedgerNotice[];
}

const timelineOrderOf = (customerId: string, order: OrderInput): TimelineOrder => ({
  orderId: order.ref,
  customerId,
  placedAt: order.at,
  lines: order.lines,
  discount: order.discount,
});
const timelineRefundOf = (refund: RefundInput): TimelineRefund => ({
  refundId: refund.ref,
  ...(refund.lines ? { lines: refund.lines } : {}),
  ...(refund.amount !== undefined ? { amount: refund.amount } : {}),
});

/**
 * The timeline changes an order or a refund makes, from the member's ledger: an order is
 * planned with the refunds that came before it (and cancelled if the member was deleted at or
 * after the purchase); a refund re-plans its order, if the order has come, with the refunds
 * before it. Because these are written in the ledger transaction, which the state version
 * serialises per member, an order and its refunds always see each other in one direction.
 */
function timelineChangesOf(
  config: ProgramConfig,
  customerId: string,
  snapshot: LedgerSnapshot,
  input: LedgerInput,
  context: { readonly timeZone: string; readonly nowMs: number; readonly leftAt: string | undefined },
): TimelineChange[] {
  const refundsOf = (orderRef: string) =>
    snapshot.entries.flatMap((e) => (e.input.kind === 'refund' && e.input.orderRef === orderRef ? [timelineRefundOf(e.input)] : []));
  if (input.kind === 'order') {
    return orderTimelineChanges(timelineOrderOf(customerId, input), {
      config,
      customerTimeZone: context.timeZone,
      now: context.nowMs,
      refunds: refundsOf(input.ref),
      ...(input.imported === true ? { imported: true } : {}),
      ...(context.leftAt !== undefined ? { deletedAt: Date.parse(context.leftAt) } : {}),
    });
  }
  if (input.kind === 'refund') {
    const order = snapshot.entries.find((e) => e.input.kind === 'order' && e.input.ref === input.orderRef);
    if (order?.input.kind !== 'order') return []; // the order plans with this refund when it comes
    const replan = {
      config,
      customerTimeZone: order.timeZone ?? config.timeZone,
      now: context.nowMs,
      refunds: refundsOf(input.orderRef),
      ...(order.input.imported === true ? { imported: true } : {}),
    };
    return refundTimelineChanges(timelineOrderOf(customerId, order.input), replan, timelineRefundOf(input));
  }
  return [];
}

const earliest = (a: string | undefined, b: string | undefined): string | undefined =>
  a === undefined ? b : b === undefined ? a : Date.parse(a) <= Date.parse(b) ? a : b;
/** The newer of two time-zone facts; on a tie the recorded one (`b`) stays. */
const newestZone = (a: MembershipFacts['timeZone'], b: MembershipFacts['timeZone']): MembershipFacts['timeZone'] =>
  a === undefined ? b : b === undefined ? a : Date.parse(a.at) > Date.parse(b.at) ? a : b;

/** An order input without its lines' product names (personal: they say what the member bought). */
const withoutNames = (order: Extract<LedgerInput, { kind: 'order' }>): LedgerInput => ({
  ...order,
  lines: order.lines.map(({ name: _name, ...line }) => line),
});

/** True when a fact of business time `at` dates from before the member's deletion `leftAt`, so the erasure covers it. */
const erasedBy = (leftAt: string | undefined, at: string): boolean => leftAt !== undefined && Date.parse(at) <= Date.parse(leftAt);

const MAX_ATTEMPTS = 8;
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Works out one ledger write: re-run the fold with the new input (if any), price the new entry,
 * correct entries a late input re-priced, and carry the member's notice watermark and wake-up
 * time (functions/domain/ledger-notices.ts) into the new state. Pure.
 *
 * The ledger job (`writer: 'job'`) sends every notice due since the watermark (none for a
 * deleted member) and moves it to now; every other writer keeps the watermark, lowering it below a notice its input made due in
 * the past, so the job sends that one too.
 *
 * With `accounts.pooling: 'pool'`, the state keeps the member's account facts (from profile
 * events and orders, in business time) and what it has added to each account's pool. Every write
 * works out each account's contribution afresh from the fold (each entry on the account of its
 * business time, functions/domain/account-pool.ts) and adds the difference to the account items
 * in the same transaction. So a pool is always the fold of its members' distinct events, in
 * whatever order they were delivered.
 *
 * Timeline: an order's check-in and reminders, and what a refund cancels, are written in the same
 * transaction too (`timelineChangesOf`), so scheduling costs no round trip of its own.
 *
 * Challenges: the member's score in every challenge not yet closed is derived from the new fold
 * (functions/domain/challenges.ts); each score that differs from the one the state recorded is
 * rewritten on the leaderboard in the same transaction, so a board never disagrees with a ledger.
 */
export function planLedgerCommit(
  config: ProgramConfig,
  customerId: string,
  snapshot: LedgerSnapshot,
  given: LedgerInput | undefined,
  now: Date,
  writer: 'event' | 'job',
  options: PlanOptions = {},
): LedgerPlan {
  // An order from before the member's deletion that arrives after it is stored without its
  // products' names, as the erasure left the ones before it (docs/security.md, "Erasure").
  const deletedAt = earliest(options.leftAt, snapshot.state?.leftAt);
  const input = given?.kind === 'order' && erasedBy(deletedAt, given.at) ? withoutNames(given) : given;
  const nowMs = now.getTime();
  const inputs = snapshot.entries.map((e) => e.input);
  // A program control-group member's events are recorded and earn nothing (docs/measurement.md).
  const control = groupOf(config, customerId) === 'control';
  const before = foldLedger(config, inputs, { asOf: nowMs, control });
  const withInput = input ? [...inputs, input] : inputs;
  const after = input ? foldLedger(config, withInput, { asOf: nowMs, control }) : before;
  const noticesBefore = ledgerNotices(config, customerId, before, inputs);
  const noticesAfter = input ? ledgerNotices(config, customerId, after, withInput) : noticesBefore;

  const storedMark = snapshot.state?.wokeAt !== undefined ? Date.parse(snapshot.state.wokeAt) : undefined;
  const lowered = watermarkAfter(noticesBefore, noticesAfter, storedMark);
  const joinedAt = earliest(options.joinedAt, snapshot.state?.joinedAt);
  const leftAt = earliest(options.leftAt, snapshot.state?.leftAt);
  // A deleted member is sent nothing more: their notices are passed over with the watermark.
  const send = writer === 'job' && leftAt === undefined ? noticesToSend(noticesAfter, lowered, nowMs) : [];
  const mark = writer === 'job' ? nowMs : lowered;
  const wake = nextWakeAt(after, noticesAfter, mark);

  const credited = new Map(snapshot.entries.map((e) => [entryKey(e.kind, e.ref), e.delta]));
  for (const c of snapshot.corrections) {
    for (const [k, d] of Object.entries(c.deltas)) credited.set(k, (credited.get(k) ?? 0) + d);
  }
  const deltas: Record<string, number> = {};
  let corrected = 0;
  for (const [k, was] of credited) {
    const is = after.entries.get(k)?.points ?? 0;
    if (is !== was) {
      deltas[k] = is - was;
      corrected += is - was;
    }
  }
  const recordedAt = now.toISOString();
  const key = input ? entryKey(input.kind, input.ref) : undefined;
  const priced = key ? after.entries.get(key) : undefined;
  if (key && !priced) throw new Error(`the fold lost ${key}`); // cannot happen: every input yields an entry

  const correction: Omit<StoredCorrection, 'type' | 'sk'> | undefined =
    Object.keys(deltas).length > 0
      ? {
          // A job's write (no input) corrects nothing in practice; it would be dated now.
          at: input?.at ?? recordedAt,
          ref: key ?? `job@${recordedAt}`,
          delta: corrected,
          deltas,
          reason: `re-priced ${Object.keys(deltas).join(', ')} after ${key ?? 'a review'} arrived late`,
          recordedAt,
        }
      : undefined;
  // The customer's time zone as the profile had it at its newest change Lojal has recorded: an
  // order's timeline is planned in it (the client's when none), and the order's entry keeps it.
  const zone = newestZone(
    options.timeZone,
    snapshot.state?.timeZone !== undefined && snapshot.state.timeZoneAt !== undefined
      ? { value: snapshot.state.timeZone, at: snapshot.state.timeZoneAt }
      : undefined,
  );
  const timeZone = zone?.value ?? config.timeZone;
  const entry: Omit<StoredEntry, 'type' | 'sk'> | undefined =
    input && priced
      ? {
          kind: input.kind,
          ref: input.ref,
          at: input.at,
          input,
          delta: priced.points,
          reason: priced.reason,
          status: priced.status,
          recordedAt,
          // The rules that priced it, as first credited: which revision, campaigns and multipliers.
          ...(priced.pricing ? { pricing: priced.pricing } : {}),
          ...(input.kind === 'order' && !erasedBy(leftAt, input.at) ? { timeZone } : {}),
        }
      : undefined;
  const pool =
    config.accounts.pooling === 'pool'
      ? planPool(snapshot.state, options.account, withInput, credited, (i) => after.entries.get(entryKey(i.kind, i.ref))?.points ?? 0)
      : undefined;
  const timeline = input
    ? timelineChangesOf(config, customerId, snapshot, input, { timeZone, nowMs, leftAt }).filter(
        (c) => !options.movedSlots?.has(slotOf(c.item)),
      )
    : [];
  const scores = challengeScores(
    config,
    after,
    withInput,
    { ...(joinedAt ? { joinedAt: Date.parse(joinedAt) } : {}), deleted: leftAt !== undefined },
    nowMs,
  );
  const storedScores = snapshot.state?.challengeScores ?? {};
  const challengeScoreMap: Record<string, number> = { ...storedScores };
  const challenges: { challengeId: string; score: number }[] = [];
  for (const [challengeId, score] of scores) {
    if (score !== (storedScores[challengeId] ?? 0)) challenges.push({ challengeId, score });
    if (score > 0) challengeScoreMap[challengeId] = score;
    else delete challengeScoreMap[challengeId];
  }
  // The report counters: this member's contribution now, less the one counted before, added in this transaction.
  const measured = contributionOf(config, after, withInput, scores);
  const report = counterChanges(snapshot.state?.measured ?? {}, measured);
  const state = {
    balance: after.balance,
    lifetimePoints: after.lifetimePoints,
    updatedAt: recordedAt,
    ...(mark !== undefined ? { wokeAt: iso(mark) } : {}),
    ...(wake !== undefined ? { wakeAt: iso(wake) } : {}),
    ...(pool?.state ?? {}),
    // Erasure (docs/security.md): once the member is deleted, the registration date and a time
    // zone from before the deletion are personal data the state no longer needs (a deleted
    // member enters no challenge, and their orders up to the deletion plan nothing).
    ...(joinedAt !== undefined && !erasedBy(leftAt, joinedAt) ? { joinedAt } : {}),
    ...(leftAt !== undefined ? { leftAt } : {}),
    ...(zone !== undefined && !erasedBy(leftAt, zone.at) ? { timeZone: zone.value, timeZoneAt: zone.at } : {}),
    ...(Object.keys(challengeScoreMap).length > 0 ? { challengeScores: challengeScoreMap } : {}),
    view: memberViewOf(after, nowMs),
    measured,
  };
  return {
    before,
    after,
    ...(priced ? { priced } : {}),
    commit: {
      ...(entry ? { entry } : {}),
      ...(correction ? { correction } : {}),
      state,
      expectedVersion: snapshot.state?.version ?? 0,
      ...(pool && pool.changes.length > 0 ? { accounts: pool.changes } : {}),
      ...(challenges.length > 0 ? { challenges } : {}),
      ...(timeline.length > 0 ? { timeline } : {}),
      ...(report.length > 0 ? { report: { group: control ? 'control' : 'treated', changes: report } } : {}),
    },
    corrected,
    send,
  };
}

/**
 * The pool part of a write: the member's account facts with `added`, each account's contribution
 * from the fold, and the changes to the account items. A state written before account facts
 * existed has one recorded account and no record per account: it counts as a member of that
 * account from the beginning who has pooled everything credited so far there.
 */
function planPool(
  stored: LedgerSnapshot['state'],
  added: AccountFact | undefined,
  inputs: readonly LedgerInput[],
  credited: ReadonlyMap<string, number>,
  points: (input: LedgerInput) => number,
): { state: Pick<MemberState, 'accountId' | 'accountFacts' | 'pooled'>; changes: PoolChange[] } {
  const legacy = stored?.accountFacts === undefined ? stored?.accountId : undefined;
  const recordedFacts = stored?.accountFacts ?? (legacy !== undefined ? [{ accountId: legacy, at: new Date(0).toISOString() }] : []);
  const recordedPools = stored?.pooled ?? (legacy !== undefined ? { [legacy]: [...credited.values()].reduce((a, b) => a + b, 0) } : {});
  const facts = mergeAccountFacts(recordedFacts, added ? [added] : []);
  const desired = poolContributions(facts, inputs, points);
  const accountId = currentAccount(facts);
  return {
    state: {
      ...(accountId !== undefined ? { accountId } : {}),
      ...(facts.length > 0 ? { accountFacts: facts } : {}),
      ...(desired.size > 0 ? { pooled: Object.fromEntries(desired) } : {}),
    },
    changes: poolChanges(recordedPools, desired, currentAccount(recordedFacts), accountId),
  };
}

/**
 * Records one distinct event in a member's ledger, exactly once.
 *
 * Read the member's ledger, re-run the points fold with the new event, and write the new
 * entry, any corrections to entries the late event re-priced (a tier multiplier, a first-order
 * bonus, a refund waiting for its order, an expiry) and the new state in one transaction.
 * Because the fold is over distinct events in business time, every delivery order ends in the
 * same state.
 */
export async function recordLedgerEvent(
  deps: LedgerDeps,
  customerId: string,
  input: LedgerInput,
  options: Pick<RecordOptions, 'account'> = {},
): Promise<RecordOutcome> {
  const result = await writeLedgerInput(deps, customerId, input, options);
  if (result.outcome === 'redemption-exists' || result.outcome === 'sold-out') throw new Error(`${result.outcome} without a redemption`);
  return result;
}

/** `recordLedgerEvent` with a check before the write and a redemption's conditional items in it. */
export async function writeLedgerInput(
  deps: LedgerDeps,
  customerId: string,
  input: LedgerInput,
  options: RecordOptions = {},
): Promise<WriteOutcome> {
  const key = entryKey(input.kind, input.ref);
  const movedSlots = new Set<string>();
  // The first attempt may use a cached snapshot; after a conflict, always read afresh.
  let snapshot: LedgerSnapshot | undefined = deps.cache?.get(customerId);
  for (let attempt = 1; ; ) {
    snapshot ??= await deps.ledger.read(customerId);
    const existing = snapshot.entries.find((e) => entryKey(e.kind, e.ref) === key);
    if (existing) return { outcome: 'duplicate', existing };

    const plan = planLedgerCommit(deps.config, customerId, snapshot, input, deps.clock.now(), 'event', {
      ...(options.account !== undefined ? { account: options.account } : {}),
      movedSlots,
    });
    options.check?.(plan);
    const { commit } = plan;
    const outcome = await deps.ledger.commit(customerId, {
      ...commit,
      ...(options.redemption ? { redemption: options.redemption(plan) } : {}),
    });
    if (outcome === 'committed') {
      deps.cache?.set(customerId, afterCommit(snapshot, commit, { ...commit.state, version: commit.expectedVersion + 1 }));
      return {
        outcome: 'applied',
        points: plan.priced?.points ?? 0,
        corrected: plan.corrected,
        balance: plan.after.balance,
        fold: plan.after,
        timeline: commit.timeline ?? [],
      };
    }
    if (typeof outcome === 'object') {
      // A timeline slot moved on (a newer purchase holds it, its item was sent): nothing to do
      // there, so write again without it. The snapshot is still good; each slot fails once.
      movedSlots.add(outcome.moved);
      continue;
    }
    deps.cache?.forget(customerId);
    snapshot = undefined;
    if (outcome === 'duplicate') return { outcome: 'duplicate' };
    if (outcome === 'sold-out') return { outcome };
    if (outcome === 'redemption-exists') return { outcome };
    // Another write for this member committed between our read and our write: recompute.
    deps.metrics.addMetric('LedgerConflicts', 'Count', 1);
    if (attempt >= MAX_ATTEMPTS) throw new ConcurrentUpdateError(`gave up on ${key} after ${attempt} concurrent updates`);
    await new Promise((r) => setTimeout(r, Math.random() * 20 * attempt));
    attempt++;
  }
}

/**
 * Records profile facts in the member's ledger state (`MembershipFacts`): registration and
 * deletion, which decide the challenges the member enters (the scores are re-derived with them:
 * a member's orders may have come before their registration), and the time zone their orders'
 * timelines are planned in. Idempotent: a fact the state already holds (or supersedes) writes
 * nothing.
 */
export async function recordMembership(deps: LedgerDeps, customerId: string, facts: MembershipFacts): Promise<'applied' | 'duplicate'> {
  for (let attempt = 1; ; attempt++) {
    const cached = attempt === 1 ? deps.cache?.get(customerId) : undefined;
    const snapshot = cached ?? (await deps.ledger.read(customerId));
    const known = (fact: string | undefined, stored: string | undefined) => fact === undefined || earliest(fact, stored) === stored;
    const stored = snapshot.state;
    // A registration or time zone from before a recorded deletion is erased as it arrives: nothing to write.
    const joinedKnown = known(facts.joinedAt, stored?.joinedAt) || erasedBy(stored?.leftAt, facts.joinedAt ?? '');
    const zoneKnown =
      facts.timeZone === undefined ||
      erasedBy(stored?.leftAt, facts.timeZone.at) ||
      (stored?.timeZoneAt !== undefined && Date.parse(stored.timeZoneAt) >= Date.parse(facts.timeZone.at));
    const accountKnown =
      facts.account === undefined ||
      deps.config.accounts.pooling !== 'pool' ||
      (stored?.accountFacts ?? []).some(
        (f) => f.accountId === facts.account?.accountId && Date.parse(f.at) === Date.parse(facts.account.at),
      );
    if (joinedKnown && known(facts.leftAt, stored?.leftAt) && zoneKnown && accountKnown) return 'duplicate';

    const plan = planLedgerCommit(deps.config, customerId, snapshot, undefined, deps.clock.now(), 'event', facts);
    const outcome = await deps.ledger.commit(customerId, plan.commit);
    if (outcome === 'committed') {
      deps.cache?.set(customerId, afterCommit(snapshot, plan.commit, { ...plan.commit.state, version: plan.commit.expectedVersion + 1 }));
      return 'applied';
    }
    deps.cache?.forget(customerId);
    deps.metrics.addMetric('LedgerConflicts', 'Count', 1);
    if (attempt >= MAX_ATTEMPTS)
      throw new ConcurrentUpdateError(`gave up on the membership of ${customerId} after ${attempt} concurrent updates`);
    await new Promise((r) => setTimeout(r, Math.random() * 20 * attempt));
  }
}

/** The snapshot as it is after a successful commit, for the cache. */
export function afterCommit(
  before: LedgerSnapshot,
  commit: Omit<LedgerCommit, 'redemption'>,
  state: NonNullable<LedgerSnapshot['state']>,
): LedgerSnapshot {
  return {
    entries: commit.entry ? [...before.entries, { type: 'entry', sk: '', ...commit.entry }] : before.entries,
    corrections: commit.correction ? [...before.corrections, { type: 'correction', sk: '', ...commit.correction }] : before.corrections,
    state,
  };
}
