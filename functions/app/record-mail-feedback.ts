import type { SuppressionList } from '../adapters/dynamo/suppression-list';
import { type OptOutDeps, recordOptOut } from './record-opt-out';
import { memberOfTags } from '../domain/email/member-tag';
import type { SesFeedback } from '../contract/ses-events';
import { addressHash } from '../domain/email/suppression';
import type { Clock, LoggerPort, MetricsPort } from '../runtime/ports';

export interface FeedbackDeps {
  readonly suppressions: SuppressionList;
  /** To record the member's opt-out a complaint or hard bounce means (absent: suppression only). */
  readonly optOut?: Omit<OptOutDeps, 'clock' | 'logger' | 'metrics'>;
  readonly clock: Clock;
  readonly logger: LoggerPort;
  readonly metrics: MetricsPort;
}

/**
 * A hard bounce or a complaint stops all further mail to the address, whatever the kind: the
 * address goes on the suppression list (by hash), which the sender checks before every mail.
 * Soft bounces (`Transient`, `Undetermined`) suppress nothing: SES retried them already, and the
 * next mail may well arrive. Idempotent: the first reason recorded for an address stays.
 */
export async function recordMailFeedback(deps: FeedbackDeps, feedback: SesFeedback): Promise<'applied' | 'ignored'> {
  const at = deps.clock.now().toISOString();
  let addresses: string[] = [];
  let kind: 'bounce' | 'complaint' | undefined;
  let detail = '';
  if (feedback.eventType === 'Bounce' && feedback.bounce?.bounceType === 'Permanent') {
    kind = 'bounce';
    detail = `${feedback.bounce.bounceType}/${feedback.bounce.bounceSubType ?? ''}`;
    addresses = feedback.bounce.bouncedRecipients.map((r) => r.emailAddress);
  } else if (feedback.eventType === 'Complaint' && feedback.complaint) {
    kind = 'complaint';
    detail = feedback.complaint.complaintFeedbackType ?? 'complaint';
    addresses = feedback.complaint.complainedRecipients.map((r) => r.emailAddress);
  }
  if (!kind || addresses.length === 0) return 'ignored';
  const added = await Promise.all(
    addresses.map((a) => deps.suppressions.add(addressHash(a), { kind, detail, at, messageId: feedback.mail.messageId })),
  );
  const count = added.filter(Boolean).length;
  // The mail's member tag names whose opt-out it is: a complaint or a hard bounce ends marketing consent, stickily.
  const member = memberOfTags(feedback.mail.tags);
  if (member !== undefined && deps.optOut) await recordOptOut({ ...deps, ...deps.optOut }, member, kind);
  if (count > 0) deps.metrics.addMetric(kind === 'bounce' ? 'AddressesSuppressedBounce' : 'AddressesSuppressedComplaint', 'Count', count);
  // The address itself is personal data: only the fact and the SES message id are logged.
  deps.logger.info('mail feedback recorded', { kind, detail, messageId: feedback.mail.messageId, suppressed: count });
  return 'applied';
}
