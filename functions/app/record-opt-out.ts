import type { OptOutNotice, OptOutNotices } from '../adapters/dynamo/opt-out-notices';
import type { ProfileStore } from '../adapters/dynamo/profile-store';
import type { CustomerUnsubscribed } from '../contract/lojal-events';
import type { OptOutReason } from '../domain/profile';
import type { EventPublisher } from '../runtime/event-publisher';
import type { Clock, LoggerPort, MetricsPort } from '../runtime/ports';
import { updateProfile } from './update-profile';

export interface OptOutDeps {
  readonly profiles: ProfileStore;
  readonly notices: OptOutNotices;
  /** Where `customer.unsubscribed` goes; without one (a test, a tool) the notices wait, unannounced. */
  readonly events?: EventPublisher | undefined;
  readonly clock: Clock;
  readonly logger: LoggerPort;
  readonly metrics: MetricsPort;
  readonly clientTimeZone: string;
}

/** How long one caller may take to announce a notice before another may. */
const ANNOUNCE_LEASE_MS = 60_000;

/**
 * Records an opt-out Lojal received (its unsubscribe link or page, a complaint, a hard bounce)
 * at this instant: marketing consent off, stickily (domain/profile.ts), and a notice written in
 * the same transaction. Then announces every notice of the member not yet announced as
 * `customer.unsubscribed`. Idempotent: the same opt-out delivered again records nothing new and
 * announces nothing that was announced; a notice whose publish failed goes out on the next call.
 */
export async function recordOptOut(deps: OptOutDeps, customerId: string, reason: OptOutReason): Promise<'applied' | 'duplicate'> {
  const outcome = await updateProfile(
    deps.profiles,
    customerId,
    { type: 'opt-out', at: deps.clock.now().getTime(), reason },
    { clientTimeZone: deps.clientTimeZone },
  );
  await announceOptOuts(deps, customerId);
  return outcome;
}

/** Publishes the member's unannounced opt-outs, each under a claim so concurrent callers announce it once. */
export async function announceOptOuts(deps: OptOutDeps, customerId: string): Promise<number> {
  if (!deps.events) return 0;
  let announced = 0;
  for (const notice of await deps.notices.pending(customerId)) {
    const now = deps.clock.now();
    if (!(await deps.notices.claim(notice, now, new Date(now.getTime() + ANNOUNCE_LEASE_MS)))) continue;
    const { failed } = await publish(deps.events, notice).catch(async (error: unknown) => {
      await deps.notices.unclaim(notice);
      throw error;
    });
    if (failed.length > 0) {
      await deps.notices.unclaim(notice);
      deps.logger.warn('customer.unsubscribed was refused by the bus; it goes out on the next opt-out call', {
        errorCode: failed[0]?.errorCode,
      });
      continue;
    }
    await deps.notices.markAnnounced(notice, deps.clock.now());
    announced++;
  }
  if (announced > 0) deps.metrics.addMetric('OptOutsAnnounced', 'Count', announced);
  return announced;
}

function publish(events: EventPublisher, notice: OptOutNotice) {
  const detail: CustomerUnsubscribed = {
    idempotencyKey: `unsubscribed:${notice.customerId}:${notice.at}`,
    customerId: notice.customerId,
    at: notice.at,
    reason: notice.reason,
  };
  return events.publish([{ detailType: 'customer.unsubscribed', detail }]);
}
