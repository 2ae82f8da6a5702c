import { type FlowEventName, LOJAL_SOURCE, type LojalDetailType, type WebshopDetailType } from './events';

/**
 * Which events go to which handler. The CDK stack turns each route into one EventBridge rule
 * and the local copy routes with the very same patterns, so local behaviour matches AWS.
 */
export type HandlerName =
  | 'customer-registered'
  | 'customer-updated'
  | 'customer-deleted'
  | 'order-placed'
  | 'order-refunded'
  | 'activity-completed'
  | 'customer-anniversary'
  | 'customer-birthday'
  | 'welcome-email'
  | 'checkin-email'
  | 'replacement-email'
  | 'anniversary-email'
  | 'birthday-email'
  | 'tier-changed-email'
  | 'tier-expiring-email'
  | 'reward-email'
  | 'expiry-email'
  | 'perk-email'
  | 'challenge-email'
  | 'flows';

export interface Route {
  /** Stable id: names the rule in CDK. */
  readonly id: string;
  /** Several routes may share a detail type (e.g. a profile handler and a welcome-mail handler). */
  readonly detailType: WebshopDetailType | LojalDetailType | FlowEventName;
  /** Who may send it: the webshop's allowed sources, or Lojal itself. */
  readonly from: 'webshop' | 'lojal';
  readonly handler: HandlerName;
}

export const ROUTES: readonly Route[] = [
  { id: 'CustomerRegistered', detailType: 'customer.registered', from: 'webshop', handler: 'customer-registered' },
  { id: 'CustomerUpdated', detailType: 'customer.updated', from: 'webshop', handler: 'customer-updated' },
  { id: 'CustomerDeleted', detailType: 'customer.deleted', from: 'webshop', handler: 'customer-deleted' },
  { id: 'OrderPlaced', detailType: 'order.placed', from: 'webshop', handler: 'order-placed' },
  { id: 'OrderRefunded', detailType: 'order.refunded', from: 'webshop', handler: 'order-refunded' },
  { id: 'ActivityCompleted', detailType: 'activity.completed', from: 'webshop', handler: 'activity-completed' },
  { id: 'CustomerAnniversary', detailType: 'customer.anniversary', from: 'lojal', handler: 'customer-anniversary' },
  { id: 'CustomerBirthday', detailType: 'customer.birthday', from: 'lojal', handler: 'customer-birthday' },
  // Mail: each handler queues a mail request; the sender (an SQS consumer, not a route) sends it.
  { id: 'WelcomeEmail', detailType: 'customer.registered', from: 'webshop', handler: 'welcome-email' },
  { id: 'CheckinEmail', detailType: 'checkin.due', from: 'lojal', handler: 'checkin-email' },
  { id: 'ReplacementEmail', detailType: 'product.aged', from: 'lojal', handler: 'replacement-email' },
  { id: 'AnniversaryEmail', detailType: 'customer.anniversary', from: 'lojal', handler: 'anniversary-email' },
  { id: 'BirthdayEmail', detailType: 'customer.birthday', from: 'lojal', handler: 'birthday-email' },
  { id: 'TierChangedEmail', detailType: 'tier.changed', from: 'lojal', handler: 'tier-changed-email' },
  { id: 'TierExpiringEmail', detailType: 'tier.expiring', from: 'lojal', handler: 'tier-expiring-email' },
  { id: 'RewardEmail', detailType: 'reward.earned', from: 'lojal', handler: 'reward-email' },
  { id: 'ExpiryEmail', detailType: 'points.expiring', from: 'lojal', handler: 'expiry-email' },
  { id: 'PerkEmail', detailType: 'perk.earned', from: 'lojal', handler: 'perk-email' },
  { id: 'ChallengeEmail', detailType: 'challenge.completed', from: 'lojal', handler: 'challenge-email' },
];

/** An EventBridge event pattern (the subset of the pattern language Lojal's rules use and the local matcher supports). */
export type EventPattern = Record<string, unknown>;

/**
 * The rule pattern for a route. Webshop routes match only the client's allowed sources, so
 * an event claiming `Source: "lojal"` never reaches a webshop handler, and Lojal routes match
 * only `lojal`, which the webshop's publisher role may not send.
 */
export function routePattern(route: Route, allowedSources: readonly string[]): EventPattern {
  return {
    source: route.from === 'lojal' ? [LOJAL_SOURCE] : [...allowedSources],
    'detail-type': [route.detailType],
  };
}
