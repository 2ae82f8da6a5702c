import { type AudienceFacts, type AudienceStore, audienceFactsOf } from '../adapters/dynamo/audience-store';
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
import { attributeFacts } from '../domain/attributes';
import { ConcurrentUpdateError } from '../runtime/errors';
import type { EventPublisher, FlowEventName } from '../runtime/event-publisher';
import type { MailQueue } from '../runtime/mail-ports';
import type { Clock, LoggerPort, MetricsPort } from '../runtime/ports';
import { figuresNow } from './member-figures';
import { type LedgerDeps, recordLedgerEvent } from './record-ledger-event';
import { updateProfile } from './update-profile';

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
  /** The member index a broadcast enumerates (registered members with their profile facts, by registration month-day and shard). */
  readonly members?: Pick<AudienceStore, 'page'> | undefined;
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

  const listening = flowsListeningTo(deps.config.flows, event.detailType);
  const waits = waitedFor(deps.config.flows).has(event.detailType);
  if (listening.length === 0 && !waits) return report;
  // Every run of the member, of every flow, in ONE Query: what each flow decides from, the runs
  // waiting for this event among them. A run's first read comes from it, until this cause has moved the run.
  const runsByFlow = new Map<string, FlowRun[]>();
  for (const run of await deps.flows.allRuns(customerId, true)) runsByFlow.set(run.flowId, [...(runsByFlow.get(run.flowId) ?? []), run]);
  const moved = new Set<string>();
  const moveRun = async (flowId: string, runKey: string, decide: (run: FlowRun | undefined) => Promise<Transition | NoEntry>) => {
    const id = `${flowId}\n${runKey}`;
    const known = moved.has(id) ? undefined : (runsByFlow.get(flowId)?.find((r) => r.runKey === runKey) ?? null);
    if (await step(deps, report, customerId, flowId, runKey, decide, known)) moved.add(id);
  };

  // Runs waiting for this event: their `waitFor` hears it.
  if (waits)
    for (const flow of deps.config.flows)
      for (const waiting of runsByFlow.get(flow.id) ?? []) {
        if (waiting.status !== 'active' || waiting.waiting?.event !== event.detailType) continue;
        await moveRun(flow.id, waiting.runKey, async (run) => {
          if (run?.status !== 'active' || run.waiting?.event !== event.detailType) return { skip: 'running' };
          const spec = waitForOf(flow, run.waiting.stepId);
          if (!spec || !matchesFacts(spec.where, event.detail) || (spec.sameKey === true && !sameKey(flow, run, event.detail)))
            return { skip: 'running' };
          return matchRun(flow, run, await factsFor(flow), nowMs());
        });
      }

  for (const flow of listening) {
    const runs = runsByFlow.get(flow.id) ?? [];
    const move = (runKey: string, decide: (run: FlowRun | undefined) => Promise<Transition | NoEntry>) => moveRun(flow.id, runKey, decide);
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
export const MONTH_DAYS = Array.from({ length: 366 }, (_, i) => new Date(Date.UTC(2024, 0, 1 + i)).toISOString().slice(5, 10));

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
  // The index item carries the profile facts: a member they rule out costs nothing more; the
  // ledger's figures are read only when the audience or a branch names one (docs/flows.md).
  const byIndex = profileAudience(flow);
  const readsLedger = needsLedgerFacts(flow);
  let cursor: Record<string, unknown> | undefined;
  do {
    const page = await deps.members.page(slice.monthDay, slice.shard, 100, cursor);
    await Promise.all(
      page.members.map(({ customerId, facts: indexed }) =>
        limit(async () => {
          const known = profileFacts(deps.config, customerId, indexed);
          const facts = matchesFacts(byIndex, known) && readsLedger ? { ...known, ...(await ledgerFacts(deps, customerId)) } : known;
          // Outside the audience: not even the run is read (enterRun would say the same).
          if (!matchesFacts(flow.audience, facts)) {
            report.skipped++;
            return;
          }
          await step(deps, report, customerId, flow.id, runKey, async (prior) =>
            enterRun(flow, prior, { customerId, runKey, event, eventAt: slice.at, facts, nowMs: deps.clock.now().getTime() }),
          );
        }),
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
      await performAll(deps, { customerId, flowId, runKey, at: now.toISOString() }, t.actions);
      if (t.counters.entered) deps.metrics.addMetric('FlowRunsEntered', 'Count', 1);
      return true;
    }
  }
  throw new ConcurrentUpdateError(`flow ${flowId}: the run moved ${MAX_ROUNDS} times while it was being moved`);
}

/**
 * Performs a step's actions and strikes each from the outbox. They are independent (each is
 * idempotent by its key and writes its own items), so they run concurrently, except that the
 * ledger's (`points`) and the profile's (`set`) go one after another: two writes to the same
 * member's ledger or profile at once would only make each other retry.
 */
async function performAll(deps: FlowDeps, run: Omit<StoredFlowAction, 'action'>, actions: readonly FlowAction[]): Promise<void> {
  const lanes = new Map<string, FlowAction[]>();
  for (const action of actions) {
    const lane = action.kind === 'points' || action.kind === 'set' ? action.kind : action.key;
    lanes.set(lane, [...(lanes.get(lane) ?? []), action]);
  }
  await Promise.all(
    [...lanes.values()].map(async (lane) => {
      for (const action of lane) {
        await perform(deps, { ...run, action });
        await deps.flows.actionDone(run.customerId, action.key);
      }
    }),
  );
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
    case 'set':
      // A change at the step's instant, per attribute newest business time wins: a customer.updated
      // later than the step overwrites it, an older one delivered late does not (docs/flows.md).
      // Applying it again (a recovered action) is a duplicate the profile ignores.
      await updateProfile(
        deps.profiles,
        customerId,
        { type: 'set', at: Date.parse(stored.at), values: {}, attributes: action.attributes },
        { clientTimeZone: deps.config.timeZone },
      );
      return;
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
 * when a decision needs them: the member view's figures (the ledger's state), and consent,
 * language and attributes (the profile), and the group.
 */
function lazyFacts(deps: FlowDeps, customerId: string): () => Promise<Record<string, unknown>> {
  let facts: Promise<Record<string, unknown>> | undefined;
  return () => {
    facts ??= (async () => {
      const [figures, stored] = await Promise.all([ledgerFacts(deps, customerId), deps.profiles.get(customerId, false)]);
      return {
        ...figures,
        ...profileFacts(deps.config, customerId, stored ? audienceFactsOf(stored.profile) : { marketingConsent: false }),
      };
    })();
    return facts;
  };
}

/** The facts the ledger's state gives: the member view's figures now (one read of the state item, a fold only when its view has run out). */
async function ledgerFacts(deps: FlowDeps, customerId: string): Promise<Record<string, unknown>> {
  const state = await deps.ledger.readState(customerId);
  const figures = await figuresNow(deps.config, deps.ledger, customerId, state, deps.clock.now().getTime());
  return {
    tier: figures.tier,
    balance: figures.balance,
    spendablePoints: figures.spendablePoints,
    lifetimePoints: figures.lifetimePoints,
    qualifyingPoints: figures.qualifyingPoints,
  };
}

/** The facts the profile gives (as the profile item or the audience index item carries them), with the group. */
function profileFacts(config: ProgramConfig, customerId: string, facts: AudienceFacts): Record<string, unknown> {
  return {
    marketingConsent: facts.marketingConsent,
    ...(facts.locale !== undefined ? { locale: facts.locale } : {}),
    attributes: attributeFacts(config.attributes, facts.attributes),
    group: groupOf(config, customerId),
  };
}

/** The facts only the ledger's state gives; every other fact is on the profile and the audience index item. */
const LEDGER_FACTS: ReadonlySet<string> = new Set(['tier', 'balance', 'spendablePoints', 'lifetimePoints', 'qualifyingPoints']);

/** Whether a pattern names a ledger fact, at its top level or in a top-level `$or`. */
function namesLedgerFact(pattern: Record<string, unknown> | undefined): boolean {
  if (!pattern) return false;
  const alternatives = Array.isArray(pattern.$or) ? (pattern.$or as Record<string, unknown>[]) : [];
  return Object.keys(pattern).some((k) => LEDGER_FACTS.has(k)) || alternatives.some((p) => namesLedgerFact(p));
}

/** Whether a broadcast's entry reads the ledger's state: its audience or a branch names a ledger fact. */
function needsLedgerFacts(flow: Flow): boolean {
  return namesLedgerFact(flow.audience) || allSteps(flow.steps).some((s) => 'branch' in s && s.branch.some((p) => namesLedgerFact(p.when)));
}

/**
 * The part of a flow's audience the profile facts decide: the pattern without its ledger facts
 * (the top-level fields of a pattern must all match, so a member this part rules out is out).
 * A `$or` naming a ledger fact is left to the full check. Undefined: the index cannot rule anyone out.
 */
const profileAudiences = new WeakMap<Flow, Record<string, unknown> | undefined>();
function profileAudience(flow: Flow): Record<string, unknown> | undefined {
  if (profileAudiences.has(flow)) return profileAudiences.get(flow);
  const part = Object.fromEntries(
    Object.entries(flow.audience ?? {}).filter(([k, v]) => !LEDGER_FACTS.has(k) && !(k === '$or' && namesLedgerFact({ $or: v }))),
  );
  const result = Object.keys(part).length > 0 ? part : undefined;
  profileAudiences.set(flow, result);
  return result;
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
