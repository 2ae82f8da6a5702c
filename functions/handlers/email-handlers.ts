import { consentInstant } from '../domain/consent-instant';
import { ProfileStore } from '../adapters/dynamo/profile-store';
import { checkedAttributes, updateProfile } from '../app/update-profile';
import { CustomerRegisteredSchema } from '../contract/events';
import {
  ChallengeCompletedSchema,
  CheckinDueSchema,
  CustomerAnniversarySchema,
  CustomerBirthdaySchema,
  PerkEarnedSchema,
  PointsExpiringSchema,
  ProductAgedSchema,
  RewardEarnedSchema,
  TierChangedSchema,
  TierExpiringSchema,
} from '../contract/lojal-events';
import type { MailJob } from '../contract/mail-job';
import type { MailLinks } from '../domain/email/links';
import { busEventHandler } from '../runtime/event-handler';
import type { MailQueue } from '../runtime/mail-ports';
import type { BusEvent, DeadLetterSink, LojalDeps } from '../runtime/ports';

/** The route handlers that turn events into mail requests (functions/contract/routes.ts). */
export const EMAIL_HANDLER_NAMES = [
  'welcome-email',
  'checkin-email',
  'replacement-email',
  'anniversary-email',
  'birthday-email',
  'tier-changed-email',
  'tier-expiring-email',
  'reward-email',
  'expiry-email',
  'perk-email',
  'challenge-email',
] as const;
export type EmailHandlerName = (typeof EMAIL_HANDLER_NAMES)[number];

/** What mail needs besides the handlers' usual dependencies. */
export interface EmailPorts {
  /** Where mail requests go (SQS in AWS, in process locally); the email handlers need it. */
  readonly queue?: MailQueue;
  /** Signs and checks the links in mail; the member API's unsubscribe and check-in routes need it. */
  readonly links?: MailLinks;
}

export interface EmailHandlerDeps extends LojalDeps {
  readonly deadLetters: DeadLetterSink;
  /** Absent where nothing mails (unit tests of other handlers); a mail handler then fails loudly. */
  readonly email?: EmailPorts;
}

/** Thrown by a mail handler built without a mail queue: a wiring mistake, retried and then dead-lettered like any failure. */
export class MailQueueMissingError extends Error {
  override readonly name = 'MailQueueMissingError';
}

/**
 * The email handlers: each validates its event, names the mail `(customer, kind, ref)` and
 * queues the request. Everything else (consent, cap, quiet hours, the template, the send)
 * happens in the sender (functions/app/send-mail.ts), when the mail is actually due to go,
 * so a request that waits in the queue is judged on the facts of the moment it is sent.
 */
export function createEmailHandlers(deps: EmailHandlerDeps): Record<EmailHandlerName, (event: BusEvent) => Promise<void>> {
  const profiles = new ProfileStore(deps.dynamo, deps.tableName);
  const queue = async (event: BusEvent, ...jobs: Omit<MailJob, 'v' | 'causeId'>[]) => {
    if (!deps.email?.queue) throw new MailQueueMissingError('this handler was built without a mail queue (deps.email.queue)');
    await deps.email.queue.enqueue(jobs.map((job) => ({ v: 1 as const, ...job, causeId: event.id })));
    return 'applied' as const;
  };

  return {
    // Runs beside the profile handler on the same event; it applies the same registration
    // (idempotent, last-writer-wins) first, so the sender finds the address however the two race.
    'welcome-email': busEventHandler(deps, CustomerRegisteredSchema, async (d, event) => {
      const { customerId, registeredAt, marketingConsentAt, imported: _imported, attributes, ...values } = d;
      const consentAt = consentInstant(marketingConsentAt, deps.clock.now());
      // The same registration as the profile handler's, attributes checked the same way: a bad one writes nothing here either.
      await updateProfile(
        profiles,
        customerId,
        {
          type: 'set',
          at: Date.parse(registeredAt),
          values: { ...values, registeredAt },
          consentAt,
          ...checkedAttributes(deps.config.attributes, attributes),
        },
        { clientTimeZone: deps.config.timeZone },
      );
      // A member from a history import joined long ago: no welcome (docs/integrations.md, history import).
      if (d.imported === true) return 'ignored';
      return queue(event, { customerId, kind: 'welcome', ref: 'welcome' });
    }),

    'checkin-email': busEventHandler(deps, CheckinDueSchema, async (d, event) =>
      queue(event, { customerId: d.customerId, kind: 'checkin', ref: d.itemId }),
    ),

    'replacement-email': busEventHandler(deps, ProductAgedSchema, async (d, event) =>
      queue(event, { customerId: d.customerId, kind: 'replacement', ref: d.itemId }),
    ),

    'anniversary-email': busEventHandler(deps, CustomerAnniversarySchema, async (d, event) =>
      queue(event, { customerId: d.customerId, kind: 'anniversary', ref: d.date, data: { years: d.years, bonusPoints: d.bonusPoints } }),
    ),

    'birthday-email': busEventHandler(deps, CustomerBirthdaySchema, async (d, event) =>
      queue(event, { customerId: d.customerId, kind: 'birthday', ref: d.date, data: { bonusPoints: d.bonusPoints } }),
    ),

    // The ledger job's notices: each names its mail by the event's idempotencyKey, so a
    // notice sent again (a rerun, a retry after an unknown outcome) is mailed once.
    'tier-changed-email': busEventHandler(deps, TierChangedSchema, async (d, event) =>
      queue(event, {
        customerId: d.customerId,
        kind: 'tier',
        ref: d.idempotencyKey,
        data: { change: d.direction, tier: d.to, multiplier: d.multiplier, reviewAt: d.reviewAt },
      }),
    ),

    'tier-expiring-email': busEventHandler(deps, TierExpiringSchema, async (d, event) =>
      queue(event, {
        customerId: d.customerId,
        kind: 'tier',
        ref: d.idempotencyKey,
        data: { change: 'expiring', tier: d.tier, projectedTier: d.projectedTier, pointsToKeep: d.pointsToKeep, reviewAt: d.reviewAt },
      }),
    ),

    'reward-email': busEventHandler(deps, RewardEarnedSchema, async (d, event) =>
      queue(event, {
        customerId: d.customerId,
        kind: 'reward',
        ref: d.idempotencyKey,
        data: { rewardName: d.rewardName, code: d.code, validUntil: d.validUntil },
      }),
    ),

    'expiry-email': busEventHandler(deps, PointsExpiringSchema, async (d, event) =>
      queue(event, {
        customerId: d.customerId,
        kind: 'expiry',
        ref: d.idempotencyKey,
        data: { points: d.points, lastValidDate: d.lastValidDate },
      }),
    ),

    // The calendar job's tenure perk: named by the perk, which a member earns once, so a day
    // emitted again is mailed once. A perk the client keeps quiet (`email: false`) queues nothing.
    'perk-email': busEventHandler(deps, PerkEarnedSchema, async (d, event) => {
      if (!d.email) return 'ignored';
      return queue(event, {
        customerId: d.customerId,
        kind: 'perk',
        ref: d.perkId,
        data: { perkName: d.perkName, afterMonths: d.afterMonths },
      });
    }),

    // The results job's announcement names up to 1 000 winners: one request per winner, queued
    // in one call (the queue batches them). Each is named by the challenge, which is decided
    // once, so a redelivered or republished result mails no winner twice. A place held by
    // several members tied on the score is `shared`, so the mail can say so.
    'challenge-email': busEventHandler(deps, ChallengeCompletedSchema, async (d, event) => {
      if (d.winners.length === 0) return 'ignored';
      const holders = new Map<number, number>();
      for (const { rank } of d.winners) holders.set(rank, (holders.get(rank) ?? 0) + 1);
      return queue(
        event,
        ...d.winners.map((w) => ({
          customerId: w.customerId,
          kind: 'challenge' as const,
          ref: d.challengeId,
          data: { challengeName: d.challengeName, rank: w.rank, prize: w.prize, shared: (holders.get(w.rank) ?? 0) > 1 },
        })),
      );
    }),
  };
}
