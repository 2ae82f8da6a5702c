import { OptOutNotices } from '../adapters/dynamo/opt-out-notices';
import { ProfileStore } from '../adapters/dynamo/profile-store';
import { SuppressionList } from '../adapters/dynamo/suppression-list';
import { recordMailFeedback } from '../app/record-mail-feedback';
import { SesFeedbackSchema } from '../contract/ses-events';
import { busEventHandler } from '../runtime/event-handler';
import type { BusEventHandler, HandlerDeps } from './registry';

/**
 * SES bounce and complaint events (the default-bus rule of lib/lojal-email.ts targets this
 * handler directly): parsed, then the addresses put on the suppression list.
 */
export function createEmailFeedbackHandler(deps: HandlerDeps): BusEventHandler {
  const suppressions = new SuppressionList(deps.dynamo, deps.tableName);
  const optOut = {
    profiles: new ProfileStore(deps.dynamo, deps.tableName),
    notices: new OptOutNotices(deps.dynamo, deps.tableName),
    events: deps.events,
    clientTimeZone: deps.config.timeZone,
  };
  return busEventHandler(deps, SesFeedbackSchema, (feedback) => recordMailFeedback({ ...deps, suppressions, optOut }, feedback));
}
