import { beforeEach, describe, expect, it } from 'vitest';
import demo from '../../clients/demo';
import { LedgerStore } from '../../functions/adapters/dynamo/ledger-store';
import { ledgerSweeperJob } from '../../functions/app/ledger-sweeper';
import { parseProgramConfig, type ProgramConfig } from '../../functions/config/program';
import { PointsExpiringSchema, RewardEarnedSchema, TierChangedSchema, TierExpiringSchema } from '../../functions/contract/lojal-events';
import { spendRewardCode } from '../../functions/domain/ledger-notices';
import { createHandlers } from '../../functions/handlers/registry';
import type { EventPublisher, LojalEvent } from '../../functions/runtime/event-publisher';
import { type Clock, silentLogger } from '../../functions/runtime/ports';
import { LocalClock } from '../../local/clock';
import { Scheduler } from '../../local/schedule';
import { WorkTracker } from '../../local/work-tracker';
import { createTestTable } from '../support/dynamo';
import { busEvent, demoConfig, manualClock, socksOrder, testDeps } from '../support/deps';
import { RecordingPublisher } from '../support/timeline';

// Each test gets its own table: the ledger job works through every due member of the table.
let table: Awaited<ReturnType<typeof createTestTable>>;
beforeEach(async () => {
  table = await createTestTable('ledger-job');
});

function setup(clock: Clock, config: ProgramConfig = demoConfig) {
  const deps = { ...testDeps(table.doc, table.tableName, config), clock };
  const publisher = new RecordingPublisher();
  return {
    handlers: createHandlers(deps),
    publisher,
    job: ledgerSweeperJob(deps, publisher),
    ledger: new LedgerStore(table.doc, table.tableName),
  };
}

const order = socksOrder;
const sent = (publisher: RecordingPublisher) => publisher.events.map((e) => [e.detailType, e.detail.idempotencyKey]);
const SCHEMAS = {
  'tier.changed': TierChangedSchema,
  'tier.expiring': TierExpiringSchema,
  'reward.earned': RewardEarnedSchema,
  'points.expiring': PointsExpiringSchema,
} as const;
/** Every event the job sent is valid by the schema its consumers parse with (contract/lojal-events.ts). */
function expectValid(events: readonly LojalEvent[]) {
  for (const e of events) expect(SCHEMAS[e.detailType as keyof typeof SCHEMAS].safeParse(e.detail).error, e.detailType).toBeUndefined();
}

describe('Ledger job', () => {
  it('announces an upgrade once, warns before the review and announces the move down at it', async () => {
    // Prepare: 5 000 qualifying points lift Anna to Silver at once.
    const clock = manualClock('2026-03-01T10:00:00Z');
    const { handlers, publisher, job, ledger } = setup(clock);
    await handlers['order-placed'](order('anna', 'o1', 5000, '2026-03-01T09:00:00Z'));

    // Act: the job at once, again, at the warning and at the review.
    const first = await job.sweep();
    const again = await job.sweep();
    const afterUpgrade = (await ledger.read('anna')).state;
    clock.set('2027-01-30T09:00:00Z');
    await job.sweep();
    clock.set('2027-03-01T09:00:00Z');
    await job.sweep();

    // Assess
    expect(first).toMatchObject({ members: 1, sent: 1, complete: true });
    expect(again).toMatchObject({ read: 0, members: 0, sent: 0 });
    expect(afterUpgrade).toMatchObject({ wokeAt: '2026-03-01T10:00:00.000Z', wakeAt: '2027-01-30T09:00:00.000Z' });
    expect(publisher.events).toEqual([
      {
        detailType: 'tier.changed',
        detail: {
          idempotencyKey: 'tier:anna:2026-03-01T09:00:00.000Z:Silver',
          customerId: 'anna',
          from: 'Red',
          to: 'Silver',
          direction: 'upgrade',
          at: '2026-03-01T09:00:00.000Z',
          multiplier: 1.5,
          qualifyingPoints: 5000,
          reviewAt: '2027-03-01T09:00:00.000Z',
        },
      },
      {
        detailType: 'tier.expiring',
        detail: {
          idempotencyKey: 'tier-review:anna:2027-03-01T09:00:00.000Z',
          customerId: 'anna',
          tier: 'Silver',
          reviewAt: '2027-03-01T09:00:00.000Z',
          projectedTier: 'Red',
          qualifyingPoints: 0,
          requiredPoints: 5000,
          pointsToKeep: 5000,
          at: '2027-01-30T09:00:00.000Z',
        },
      },
      {
        detailType: 'tier.changed',
        detail: expect.objectContaining({
          from: 'Silver',
          to: 'Red',
          direction: 'downgrade',
          at: '2027-03-01T09:00:00.000Z',
          reviewAt: null,
        }),
      },
    ]);
    expectValid(publisher.events);
  });

  it('warns before points expire, then takes what is left of them with an expiry entry, once', async () => {
    // Prepare: 1 000 points in January 2025 (valid through January 2027), 500 in June 2025.
    const clock = manualClock('2025-06-10T10:00:00Z');
    const { handlers, publisher, job, ledger } = setup(clock);
    await handlers['order-placed'](order('bo', 'o1', 1000, '2025-01-10T10:00:00Z'));
    await handlers['order-placed'](order('bo', 'o2', 500, '2025-06-10T10:00:00Z'));
    await job.sweep();
    expect((await ledger.read('bo')).state?.wakeAt).toBe('2027-01-01T23:00:00.000Z'); // 30 days before 1 February, Stockholm

    // Act: at the warning, after the expiry, and again.
    clock.set('2027-01-02T08:00:00Z');
    await job.sweep();
    clock.set('2027-02-01T08:00:00Z');
    const expiry = await job.sweep();
    const again = await job.sweep();

    // Assess
    expect(publisher.events).toEqual([
      {
        detailType: 'points.expiring',
        detail: {
          idempotencyKey: 'points-expiring:bo:2027-01-31',
          customerId: 'bo',
          points: 1000,
          expiresAt: '2027-01-31T23:00:00.000Z',
          lastValidDate: '2027-01-31',
          balance: 1500,
          at: '2027-01-01T23:00:00.000Z',
        },
      },
    ]);
    expectValid(publisher.events);
    expect(expiry).toMatchObject({ members: 1, expiries: 1, pointsExpired: 1000 });
    expect(again).toMatchObject({ members: 0, expiries: 0 });
    const snapshot = await ledger.read('bo');
    expect(snapshot.state?.balance).toBe(500);
    expect(snapshot.state?.lifetimePoints).toBe(1500);
    expect(snapshot.entries.find((e) => e.kind === 'expiry')).toMatchObject({
      ref: '2027-02-01',
      at: '2027-01-31T23:00:00.000Z',
      delta: -1000,
      reason: 'points expired',
    });
  });

  it('sends a deleted member no notices, and still expires their points', async () => {
    const clock = manualClock('2025-06-10T10:00:00Z');
    const { handlers, publisher, job, ledger } = setup(clock);
    await handlers['order-placed'](order('cy', 'o1', 1000, '2025-01-10T10:00:00Z'));
    await handlers['customer-deleted'](busEvent('customer.deleted', { customerId: 'cy', deletedAt: '2025-06-10T10:00:00Z' }));

    clock.set('2027-01-02T08:00:00Z'); // the expiry warning is due
    await job.sweep();
    clock.set('2027-02-01T08:00:00Z');
    const expiry = await job.sweep();

    expect(publisher.events).toEqual([]);
    expect(expiry).toMatchObject({ members: 1, expiries: 1, pointsExpired: 1000 });
    expect((await ledger.read('cy')).state?.balance).toBe(0);
  });

  it('re-prices an expiry entry when an event from before it arrives late: its points were never spendable', async () => {
    const clock = manualClock('2027-02-01T08:00:00Z');
    const { handlers, job, ledger } = setup(clock);
    await handlers['order-placed'](order('cy', 'o1', 1000, '2025-01-10T10:00:00Z'));
    await job.sweep();
    await handlers['activity-completed'](
      busEvent('activity.completed', { activityId: 'a1', customerId: 'cy', activity: 'referral', occurredAt: '2025-01-05T10:00:00Z' }),
    );
    const snapshot = await ledger.read('cy');
    expect(snapshot.state?.balance).toBe(0);
    expect(snapshot.corrections).toMatchObject([{ deltas: { 'expiry#2027-02-01': -250 } }]);
  });

  it('sends a notice that a late event made due in the past', async () => {
    // Prepare: a member at Red, already looked at by the job.
    const clock = manualClock('2026-03-01T10:00:00Z');
    const { handlers, publisher, job } = setup(clock);
    await handlers['order-placed'](order('di', 'o2', 1000, '2026-02-27T10:00:00Z'));
    await job.sweep();
    expect(publisher.events).toEqual([]);

    // Act: an earlier order arrives late and lifts her to Silver in the past.
    await handlers['order-placed'](order('di', 'o1', 4500, '2026-02-25T10:00:00Z'));
    const report = await job.sweep();

    // Assess
    expect(report.sent).toBe(1);
    expect(sent(publisher)).toEqual([['tier.changed', 'tier:di:2026-02-27T10:00:00.000Z:Silver']]);
  });

  it('issues a spend reward with a code that is the same however often it is computed', async () => {
    const config = parseProgramConfig({
      ...demo,
      spendRewards: [{ id: 'free-socks', name: 'Free socks', currency: 'SEK', everyMinor: 50_000, validDays: 90 }],
    });
    const clock = manualClock('2026-03-01T10:00:00Z');
    const { handlers, publisher, job } = setup(clock, config);
    await handlers['order-placed'](order('ed', 'o1', 300, '2026-03-01T09:00:00Z'));
    await handlers['order-placed'](order('ed', 'o2', 300, '2026-03-01T09:30:00Z'));
    await job.sweep();
    expect(publisher.events).toEqual([
      {
        detailType: 'reward.earned',
        detail: {
          idempotencyKey: 'reward:ed:spend:free-socks:1',
          customerId: 'ed',
          source: 'spend',
          rewardId: 'free-socks',
          rewardName: 'Free socks',
          code: spendRewardCode('demo', 'ed', 'free-socks', 1),
          at: '2026-03-01T09:30:00.000Z',
          validUntil: '2026-05-30T09:30:00.000Z',
          spend: { currency: 'SEK', everyMinor: 50_000, count: 1 },
        },
      },
    ]);
    expectValid(publisher.events);
    expect(spendRewardCode('demo', 'ed', 'free-socks', 1)).toMatch(/^FREE-SOCKS-[0-9A-HJKMNP-TV-Z]{12}$/);
  });

  it('leaves a member due when the bus refuses the notices, and sends them on the next run', async () => {
    const clock = manualClock('2026-03-01T10:00:00Z');
    const { handlers, job, ledger } = setup(clock);
    await handlers['order-placed'](order('fa', 'o1', 6000, '2026-03-01T09:00:00Z'));
    let refuse = true;
    const events: LojalEvent[] = [];
    const flaky: EventPublisher = {
      async publish(batch) {
        if (refuse) return { failed: batch.map((event) => ({ event, errorCode: 'ThrottlingException' })) };
        events.push(...batch);
        return { failed: [] };
      },
    };
    const flakyJob = ledgerSweeperJob({ ...testDeps(table.doc, table.tableName), clock }, flaky);
    expect(await flakyJob.sweep()).toMatchObject({ refused: 1, sent: 0 });
    expect((await ledger.read('fa')).state?.wokeAt).toBeUndefined();
    refuse = false;
    expect(await flakyJob.sweep()).toMatchObject({ refused: 0, sent: 1 });
    expect(events.map((e) => e.detailType)).toEqual(['tier.changed']);
    expect(await job.sweep()).toMatchObject({ members: 0 });
  });

  it("on the local copy's scheduler, two years pass in a handful of runs, each notice at the first minute it is due", async () => {
    const clock = new LocalClock({ start: new Date('2026-03-01T10:00:00Z'), frozen: true });
    const { handlers, publisher, job } = setup(clock);
    await handlers['order-placed'](order('gu', 'o1', 5000, '2026-03-01T09:00:00Z'));
    const sentAt: string[] = [];
    const timed: EventPublisher = {
      async publish(events) {
        for (const e of events) sentAt.push(`${e.detailType}@${clock.now().toISOString()}`);
        return publisher.publish(events);
      },
    };
    const scheduler = new Scheduler({ clock, work: new WorkTracker(), logger: silentLogger, maxRunsPerMove: 50 });
    scheduler.register(ledgerSweeperJob({ ...testDeps(table.doc, table.tableName), clock }, timed));
    void job;

    const move = await scheduler.advance('P740D');

    expect(move.failures).toEqual([]);
    expect(sentAt).toEqual([
      'tier.changed@2026-03-01T10:01:00.000Z', // the first tick after the scheduler started
      'tier.expiring@2027-01-30T09:00:00.000Z',
      'tier.changed@2027-03-01T09:00:00.000Z',
      'points.expiring@2028-03-01T22:00:00.000Z', // 30 days before April 2028 (Stockholm, summer time)
    ]);
    expect(move.runs['ledger-sweeper']).toBeLessThan(10);
  });
});
