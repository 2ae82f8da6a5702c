import type { CalendarStore } from '../adapters/dynamo/calendar-store';
import type { FlowStore, StoredFlowAction } from '../adapters/dynamo/flow-store';
import { CALENDAR_SHARDS } from '../adapters/dynamo/keys';
import type { LedgerStore } from '../adapters/dynamo/ledger-store';
import pLimit from 'p-limit';
import type { ProfileStore } from '../adapters/dynamo/profile-store';
import type { Flow } from '../config/flows';
import type { ProgramConfig } from '../config/program';
import {
  awaitDate,
  businessTimeOf,
  countOutcome,
  endRun,
  enterRun,
  markExit,
  type FlowRun,
  matchRun,
  type NoEntry,
  reachGoal,
  resumeRun,
  sameKey,
  type Transition,
} from '../domain/flows/engine';
import { matchesFacts, runKeyOf, type FlowAction } from '../domain/flows/plan';
import { BROADCAST_STALE_MS, flowsListeningTo } from '../domain/flows/listening';
import { fireDateFor, isOccurrence, localTimeOn, offsetDays } from '../domain/flows/schedule';
import { allSteps } from '../domain/flows/steps';
import { groupOf } from '../domain/measurement/groups';
import { ConcurrentUpdateError } from '../runtime/errors';
import type { EventPublisher, FlowEventName } from '../runtime/event-publisher';
import type { MailQueue } from '../runtime/mail-ports';
import type { Clock, LoggerPort, MetricsPort } from '../runtime/ports';
import { figuresNow } from './member-figures';
import { type LedgerDeps, recordLedgerEvent } from './record-ledger-event';

/**
 * The flow engine's I/O (docs/flows.md): for a bus event, the runs it starts, moves, ends or
 * converts; for a wake-up from the sweeper, the run it resumes; for a recovered action, the
 * action. Each move is computed by the pure functions of domain/flows/engine.ts from the run as
 * read, and written with `FlowStore.commit` (one transaction, guarded by the run's revision):
 * a redelivered or racing cause finds the revision moved and recomputes, usually to nothing.
 * The committed actions are then performed, each idempotent by its key (the mail's ref, the
 * ledger entry's reference, the emitted event's `idempotencyKey`), and struck from the outbox;
 * a crash in between leaves them in the outbox, where the sweeper finds them a lease later.
 */

export interface FlowDeps {
  readonly config: ProgramConfig;
  readonly flows: FlowStore;
  /** The member index a broadcast enumerates (registered members, by registration month-day and shard). */
  readonly members?: Pick<CalendarStore, 'members'> | undefined;
  readonly ledger: LedgerStore;
  readonly profiles: ProfileStore;
  readonly ledgerDeps: LedgerDeps;
  readonly queue?: MailQueue | undefined;
  readonly publisher?: EventPublisher | undefined;
  readonly clock: Clock;
  readonly logger: LoggerPort;
  readonly metrics: MetricsPort;
}

/** A bus event as the engine sees it: its type, its detail, its id and its envelope time. */
export interface FlowEvent {
  readonly id: string;
  readonly detailType: string;
  readonly detail: Record<string, unknown>;
  readonly time?: string | undefined;
}

/** What one event or wake-up did: transitions committed, causes that found nothing to do. */
export interface FlowReport {
  readonly committed: number;
  readonly skipped: number;
}

const MAX_ROUNDS = 8;

const matches = (condition: { readonly event: string; readonly where?: Record<string, unknown> | undefined }, e: FlowEvent) =>
  condition.event === e.detailType && matchesFacts(condition.where, e.detail);

/** A bus event for `customerId`: every flow listening to it, in turn. */
export async function onFlowEvent(deps: FlowDeps, customerId: string, event: FlowEvent): Promise<FlowReport> {
  const report = { committed: 0, skipped: 0 };
  const allFacts = lazyFacts(deps, customerId);
  const factsFor = (flow: Flow) => (needsFacts(flow) ? allFacts() : Promise.resolve({}));
  const nowMs = () => deps.clock.now().getTime();
  const eventAt = businessTimeOf(event.detail, event.time, nowMs());

  // Runs waiting for this event, found by its DetailType; no read when no flow waits for it.
  const waiting = waitedFor(deps.config.flows).has(event.detailType) ? await deps.flows.awaiting(customerId, event.detailType) : [];
  for (const { flowId, runKey } of waiting) {
    const flow = deps.config.flows.find((f) => f.id === flowId);
    if (!flow) continue;
    await step(deps, report, customerId, flow.id, runKey, async (run) => {
      if (!run || run.status !== 'active' || run.waiting?.event !== event.detailType) return { skip: 'running' };
      const spec = waitForOf(flow, run.waiting.stepId);
      if (!spec || !matchesFacts(spec.where, event.detail) || (spec.sameKey === true && !sameKey(flow, run, event.detail)))
        return { skip: 'running' };
      return matchRun(flow, run, await factsFor(flow), nowMs());
    });
  }

  for (const flow of flowsListeningTo(deps.config.flows, event.detailType)) {
    const runs = await deps.flows.runsOf(customerId, flow.id);
    // The runs as this Query read them save each run's first read, until this cause has moved the run.
    const moved = new Set<string>();
    const move = async (runKey: string, decide: (run: FlowRun | undefined) => Promise<Transition | NoEntry>) => {
      const known = moved.has(runKey) ? undefined : (runs.find((r) => r.runKey === runKey) ?? null);
      if (await step(deps, report, customerId, flow.id, runKey, decide, known)) moved.add(runKey);
    };
    for (const run of runs) {
      if (event.detailType === 'customer.deleted' && run.status === 'active') {
        await move(run.runKey, async (r) => (r?.status === 'active' ? endRun(r, 'deleted', nowMs()) : { skip: 'running' }));
        continue;
      }
      const exit = flow.exitOn.find((e) => matches(e, event) && (e.sameKey !== true || sameKey(flow, run, event.detail)));
      if (exit && run.status === 'active' && run.enteredAt !== undefined)
        await move(run.runKey, async (r) =>
          r?.status === 'active' ? endRun(r, `event:${event.detailType}`, nowMs()) : { skip: 'running' },
        );
      const order = event.detailType === 'order.placed' && event.detail.imported !== true ? orderOutcome(event.detail) : undefined;
      if (order && flow.holdoutPercent > 0 && run.enteredAt !== undefined)
        await move(run.runKey, async (r) => (r ? (countOutcome(flow, r, order) ?? { skip: 'running' }) : { skip: 'running' }));
      if (
        flow.goal &&
        matches(flow.goal, event) &&
        (flow.key === undefined || !(flow.key in event.detail) || sameKey(flow, run, event.detail))
      )
        await move(run.runKey, async (r) => (r ? (reachGoal(flow, r, eventAt) ?? { skip: 'running' }) : { skip: 'running' }));
    }
    if (event.detailType === 'customer.deleted') continue;
    // An exit for a run key that has no run yet (the refund came before its order): marked, so the order's run ends at once.
    for (const exit of flow.exitOn) {
      if (exit.sameKey !== true || !matches(exit, event)) continue;
      const key = runKeyOf(flow, event.detail);
      if (key === undefined || flow.key === undefined || runs.some((r) => r.runKey === key)) continue;
      await move(key, async (r) =>
        r ? { skip: 'running' } : markExit(flow, customerId, key, `event:${event.detailType}`, eventAt, nowMs()),
      );
    }
    // A broadcast enters by its own event (onBroadcastSlice), a member date by the calendar job's (onDateDue).
    if ('schedule' in flow.trigger || 'date' in flow.trigger) continue;
    const triggered = 'event' in flow.trigger ? matches(flow.trigger, event) : event.detailType === 'order.placed';
    // A history import's events (`imported: true`) happened before Lojal knew the shop: they may
    // end runs, but start none and move no inactivity clock, so the import never mails the past.
    if (!triggered || event.detail.imported === true) continue;
    const runKey = 'inactive' in flow.trigger ? 'member' : runKeyOf(flow, event.detail);
    if (runKey === undefined) {
      deps.logger.warn('flow trigger without its key field; no run started', { flowId: flow.id, key: flow.key, eventId: event.id });
      report.skipped++;
      continue;
    }
    await move(runKey, async (prior) =>
      enterRun(flow, prior, { customerId, runKey, event: event.detail, eventAt, facts: await factsFor(flow), nowMs: nowMs() }),
    );
  }
  return report;
}

/** The sweeper's `flow.step.due`: resumes the run if it still stands where the wake-up was set (same revision). */
export async function onFlowWake(
  deps: FlowDeps,
  wake: { readonly customerId: string; readonly flowId: string; readonly runKey: string; readonly rev: number },
): Promise<FlowReport> {
  const report = { committed: 0, skipped: 0 };
  const flow = deps.config.flows.find((f) => f.id === wake.flowId);
  const facts = flow && needsFacts(flow) ? lazyFacts(deps, wake.customerId) : () => Promise.resolve({});
  await step(deps, report, wake.customerId, wake.flowId, wake.runKey, async (run) => {
    if (!run || run.rev !== wake.rev) return { skip: 'running' };
    // Not due yet: a wake-up delivered early (a clock moved back) waits for the next.
    if (run.waiting && run.waiting.until > deps.clock.now().toISOString()) return { skip: 'running' };
    return resumeRun(flow, run, await facts(), deps.clock.now().getTime());
  });
  return report;
}

/** Every month-day a registration date can have, `01-01` to `12-31` with `02-29`. */
const MONTH_DAYS = Array.from({ length: 366 }, (_, i) => new Date(Date.UTC(2024, 0, 1 + i)).toISOString().slice(5, 10));

/**
 * The sweeper's `flow.broadcast.due`: the broadcast is cut into one `flow.broadcast.slice` per
 * partition of the member index (366 month-days × 4 shards), so the members are enumerated in
 * parallel by as many invocations, each a Query of its partition, never a scan.
 */
export async function onBroadcastDue(deps: FlowDeps, due: { readonly flowId: string; readonly at: string }): Promise<number> {
  const flow = deps.config.flows.find((f) => f.id === due.flowId);
  if (!flow || !('schedule' in flow.trigger)) return 0;
  const schedule = flow.trigger.schedule;
  // An occurrence of a recurring schedule the client file has changed since it was chained: not sent.
  if ('every' in schedule && !isOccurrence(schedule, deps.config.timeZone, due.at)) return 0;
  if (deps.clock.now().getTime() - Date.parse(due.at) > BROADCAST_STALE_MS) {
    deps.logger.warn('broadcast more than 7 days late: not sent', { flowId: flow.id, at: due.at });
    return 0;
  }
  if (!deps.publisher) throw new Error('the flows handler was built without an event publisher');
  const slices = MONTH_DAYS.flatMap((monthDay) =>
    Array.from({ length: CALENDAR_SHARDS }, (_, shard) => ({
      detailType: 'flow.broadcast.slice' as const,
      detail: { flowId: flow.id, at: due.at, monthDay, shard },
    })),
  );
  // Idempotent: a slice delivered twice enters nobody twice (each run is keyed by the broadcast).
  const { failed } = await deps.publisher.publish(slices);
  if (failed.length > 0) throw new Error(`the bus refused ${failed.length} broadcast slices; the whole broadcast is retried`);
  return slices.length;
}

/** One slice of a broadcast: each member of the partition enters, unless already in (a redelivery) or outside the audience. */
export async function onBroadcastSlice(
  deps: FlowDeps,
  slice: { readonly flowId: string; readonly at: string; readonly monthDay: string; readonly shard: number },
): Promise<FlowReport> {
  const report = { committed: 0, skipped: 0 };
  const flow = deps.config.flows.find((f) => f.id === slice.flowId);
  if (!flow || !('schedule' in flow.trigger) || !deps.members) return report;
  const schedule = flow.trigger.schedule;
  const campaign = 'campaign' in schedule ? deps.config.campaigns.find((c) => c.id === schedule.campaign) : undefined;
  const event = {
    flowId: flow.id,
    at: slice.at,
    campaignId: campaign?.id ?? null,
    campaignName: campaign?.name ?? null,
    campaignStart: campaign?.start ?? null,
  };
  const runKey = `broadcast:${slice.at}`;
  const limit = pLimit(16);
  let cursor: Record<string, unknown> | undefined;
  do {
    const page = await deps.members.members(slice.monthDay, slice.shard, 100, cursor);
    await Promise.all(
      page.customerIds.map((customerId) =>
        limit(() =>
          step(deps, report, customerId, flow.id, runKey, async (prior) =>
            enterRun(flow, prior, {
              customerId,
              runKey,
              event,
              eventAt: slice.at,
              facts: needsFacts(flow) ? await lazyFacts(deps, customerId)() : {},
              nowMs: deps.clock.now().getTime(),
            }),
          ),
        ),
      ),
    );
    cursor = page.cursor;
  } while (cursor);
  return report;
}

/**
 * The daily calendar job's `flow.date.due` (functions/app/calendar-daily.ts): a member's
 * birthday or anniversary is `offset` away from `fireOn`. The run of that year's key waits for
 * `at` on `fireOn` on the member's clock (their profile's time zone, else the client's) and
 * enters then; a delivery more than 7 days after that instant enters nobody.
 */
export async function onDateDue(
  deps: FlowDeps,
  due: {
    readonly flowId: string;
    readonly customerId: string;
    readonly kind: 'birthday' | 'anniversary';
    readonly date: string;
    readonly fireOn: string;
    readonly years?: number | undefined;
  },
): Promise<FlowReport> {
  const report = { committed: 0, skipped: 0 };
  const flow = deps.config.flows.find((f) => f.id === due.flowId);
  const trigger = flow && 'date' in flow.trigger ? flow.trigger : undefined;
  // The flow was removed, or its date or offset changed since the job found the member.
  if (!flow || !trigger || trigger.date !== due.kind || fireDateFor(due.date, offsetDays(trigger.offset)) !== due.fireOn) {
    report.skipped++;
    return report;
  }
  const stored = await deps.profiles.get(due.customerId, false);
  const until = localTimeOn(due.fireOn, trigger.at, stored?.profile.values.timeZone ?? deps.config.timeZone);
  if (deps.clock.now().getTime() - until > BROADCAST_STALE_MS) {
    report.skipped++;
    return report;
  }
  const runKey = `${due.kind}:${due.date.slice(0, 4)}`;
  const event = { flowId: flow.id, kind: due.kind, date: due.date, years: due.years ?? null };
  await step(deps, report, due.customerId, flow.id, runKey, async (prior) =>
    awaitDate(
      flow,
      prior,
      { customerId: due.customerId, runKey, event, eventAt: `${due.date}T00:00:00.000Z`, nowMs: deps.clock.now().getTime() },
      new Date(until).toISOString(),
    ),
  );
  return report;
}

/** The sweeper's `flow.action.due`: an action a crash left in the outbox, performed now (idempotent). */
export async function onFlowAction(deps: FlowDeps, stored: StoredFlowAction): Promise<void> {
  if (!(await deps.flows.actionPending(stored.customerId, stored.action.key))) return;
  await perform(deps, stored);
  await deps.flows.actionDone(stored.customerId, stored.action.key);
}

/** Reads the run, computes its move, commits it; again on a conflict; then performs the actions. */
async function step(
  deps: FlowDeps,
  report: { committed: number; skipped: number },
  customerId: string,
  flowId: string,
  runKey: string,
  decide: (run: FlowRun | undefined) => Promise<Transition | NoEntry>,
  /** The run as a consistent read of this cause already found it (`null`: none), saving the first read. */
  known?: FlowRun | null,
): Promise<boolean> {
  for (let round = 1; round <= MAX_ROUNDS; round++) {
    const prior = round === 1 && known !== undefined ? (known ?? undefined) : await deps.flows.run(customerId, flowId, runKey);
    const t = await decide(prior);
    if ('skip' in t) {
      report.skipped++;
      return false;
    }
    const now = deps.clock.now();
    if ((await deps.flows.commit(prior, t, now)) === 'committed') {
      report.committed++;
      const at = now.toISOString();
      for (const action of t.actions) {
        await perform(deps, { customerId, flowId, runKey, action, at });
        await deps.flows.actionDone(customerId, action.key);
      }
      if (t.counters.entered) deps.metrics.addMetric('FlowRunsEntered', 'Count', 1);
      return true;
    }
  }
  throw new ConcurrentUpdateError(`flow ${flowId}: the run moved ${MAX_ROUNDS} times while it was being moved`);
}

/** Performs one action; each is idempotent by `action.key`. */
async function perform(deps: FlowDeps, stored: StoredFlowAction): Promise<void> {
  const { action, customerId, flowId, runKey } = stored;
  switch (action.kind) {
    case 'email':
      if (!deps.queue) throw new Error('the flows handler was built without a mail queue');
      // Named (customer, 'flow', key): the sender sends it once however often it is queued.
      await deps.queue.enqueue([{ v: 1, customerId, kind: 'flow', ref: action.key, data: { message: action.message, flowId, runKey } }]);
      return;
    case 'points':
      // A ledger reference of its own (`flow:`), so it can never meet an operator's or a bonus's.
      await recordLedgerEvent(deps.ledgerDeps, customerId, {
        kind: 'adjustment',
        ref: action.key,
        at: stored.at,
        points: action.points,
        reason: action.reason,
      });
      return;
    case 'emit': {
      if (!deps.publisher) throw new Error('the flows handler was built without an event publisher');
      const { failed } = await deps.publisher.publish([
        { detailType: action.detailType as FlowEventName, detail: { ...action.detail, flowId, emittedAt: stored.at } },
      ]);
      if (failed.length > 0) throw new Error(`the bus refused ${action.detailType}: ${failed[0]?.errorCode ?? 'unknown'}`);
      return;
    }
    default:
      assertNever(action);
  }
}

function assertNever(action: never): never {
  throw new Error(`unknown flow action ${(action as FlowAction).kind}`);
}

function waitForOf(flow: Flow, stepId: string) {
  const s = allSteps(flow.steps).find((x) => x.id === stepId);
  return s && 'waitFor' in s ? s.waitFor : undefined;
}

/** Whether a flow's decisions read the member's facts: an `audience` or a `branch`. Worked out once per flow. */
const factsNeeded = new WeakMap<Flow, boolean>();
function needsFacts(flow: Flow): boolean {
  let needed = factsNeeded.get(flow);
  if (needed === undefined) {
    needed = flow.audience !== undefined || allSteps(flow.steps).some((s) => 'branch' in s);
    factsNeeded.set(flow, needed);
  }
  return needed;
}

/** The DetailTypes some `waitFor` of the client's flows waits for. Worked out once per configuration. */
const waitedForTypes = new WeakMap<readonly Flow[], ReadonlySet<string>>();
function waitedFor(flows: readonly Flow[]): ReadonlySet<string> {
  let types = waitedForTypes.get(flows);
  if (!types) {
    types = new Set(flows.flatMap((f) => allSteps(f.steps).flatMap((s) => ('waitFor' in s ? [s.waitFor.event] : []))));
    waitedForTypes.set(flows, types);
  }
  return types;
}

/**
 * The member's facts for `audience` and `branch` (docs/flows.md), read once per cause and only
 * when a decision needs them: the member view's figures, consent, language and group.
 */
function lazyFacts(deps: FlowDeps, customerId: string): () => Promise<Record<string, unknown>> {
  let facts: Promise<Record<string, unknown>> | undefined;
  return () => {
    facts ??= (async () => {
      const now = deps.clock.now().getTime();
      const [state, stored] = await Promise.all([deps.ledger.readState(customerId), deps.profiles.get(customerId, false)]);
      const figures = await figuresNow(deps.config, deps.ledger, customerId, state, now);
      const values = stored?.profile.values ?? {};
      return {
        tier: figures.tier,
        balance: figures.balance,
        spendablePoints: figures.spendablePoints,
        lifetimePoints: figures.lifetimePoints,
        qualifyingPoints: figures.qualifyingPoints,
        marketingConsent: values.marketingConsent === true && stored?.profile.unsubscribedAt === undefined,
        ...(values.locale !== undefined ? { locale: values.locale } : {}),
        group: groupOf(deps.config, customerId),
      };
    })();
    return facts;
  };
}

/** An order's id, time and amount (lines less discount, minor units) for the flows' outcomes. */
function orderOutcome(detail: Record<string, unknown>): { orderId: string; placedAt: string; amount: number } | undefined {
  const { orderId, placedAt, lines, discount } = detail as { orderId?: unknown; placedAt?: unknown; lines?: unknown; discount?: unknown };
  if (typeof orderId !== 'string' || typeof placedAt !== 'string' || !Array.isArray(lines)) return undefined;
  const gross = lines.reduce((sum: number, l: { unitPrice?: unknown; quantity?: unknown }) => {
    return sum + (typeof l.unitPrice === 'number' && typeof l.quantity === 'number' ? l.unitPrice * l.quantity : 0);
  }, 0);
  return {
    orderId,
    placedAt: new Date(placedAt).toISOString(),
    amount: Math.max(0, gross - (typeof discount === 'number' ? discount : 0)),
  };
}
