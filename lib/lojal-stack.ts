import { CfnOutput, Duration, Stack, type StackProps, Tags } from 'aws-cdk-lib';
import { Schedule } from 'aws-cdk-lib/aws-events';
import { TIMELINE_SWEEPER_SCHEDULE } from '../functions/app/sweep-due-items';
import { CALENDAR_DAILY_SCHEDULE } from '../functions/app/calendar-daily';
import { LEDGER_SWEEPER_SCHEDULE } from '../functions/app/ledger-sweeper';
import { CHALLENGE_RESULTS_SCHEDULE } from '../functions/app/challenge-results';
import { AccountRootPrincipal, type IPrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { EventRouting } from './event-routing';
import { FailureQueue } from './failure-queue';
import type { LoadedClient } from './load-client';
import { LojalEventBus } from './lojal-event-bus';
import { LojalEmail } from './lojal-email';
import { LojalJob } from './lojal-job';
import { LojalTable } from './lojal-table';
import { MemberApi } from './member-api';
import { WebshopPublisher } from './webshop-publisher';
import { ShopifyPartnerSource } from './shopify-partner-source';

export interface LojalStackProps extends StackProps {
  /** The validated client file (lib/load-client.ts). */
  readonly client: LoadedClient;
  /**
   * Who may assume the webshop publisher role.
   * @default this stack's own account (`AccountRootPrincipal`), for a webshop run in-house
   */
  readonly publisherPrincipal?: IPrincipal;
  /** @default none; see `WebshopPublisherProps.externalId` */
  readonly publisherExternalId?: string;
  /** @default the AWS-managed key; see `LojalTableProps.encryptionKey` */
  readonly tableEncryptionKey?: IKey;
}

/** One client's Lojal: its bus, the rules and handlers behind it, the table, and the webshop's publisher role. */
export class LojalStack extends Stack {
  readonly table: LojalTable;
  readonly eventBus: LojalEventBus;
  readonly routing: EventRouting;
  readonly rejectedEvents: FailureQueue;
  readonly publisher: WebshopPublisher;
  readonly timelineSweeper: LojalJob;
  readonly calendarDaily: LojalJob;
  readonly ledgerSweeper: LojalJob;
  readonly challengeResults: LojalJob;
  readonly memberApi: MemberApi;
  readonly email: LojalEmail;

  constructor(scope: Construct, id: string, props: LojalStackProps) {
    super(scope, id, {
      description: `Lojal loyalty backend for client ${props.client.config.clientId}`,
      ...props,
    });
    const { config, configJson } = props.client;
    Tags.of(this).add('lojal:client', config.clientId);

    this.table = new LojalTable(this, 'Data', { encryptionKey: props.tableEncryptionKey });
    this.eventBus = new LojalEventBus(this, 'Events', { clientId: config.clientId, allowedSources: config.allowedSources });
    this.rejectedEvents = new FailureQueue(this, 'RejectedEvents', {
      holds: 'It holds malformed events with the error naming the field, for an operator to inspect, fix and replay.',
    });
    this.routing = new EventRouting(this, 'Routing', {
      clientId: config.clientId,
      configJson,
      eventBus: this.eventBus,
      table: this.table,
      rejectedEvents: this.rejectedEvents.queue,
    });
    this.timelineSweeper = new LojalJob(this, 'TimelineSweeper', {
      clientId: config.clientId,
      name: 'timeline-sweeper',
      schedule: Schedule.rate(Duration.minutes(TIMELINE_SWEEPER_SCHEDULE.rateMinutes)),
      configJson,
      table: this.table,
      eventBus: this.eventBus,
      rejectedEvents: this.rejectedEvents.queue,
      // Below the sweeper's 5-minute claim lease, above its 60-second sweep budget.
      timeout: Duration.minutes(2),
      description: `Emits due check-ins and replacement reminders of client ${config.clientId}`,
    });
    this.calendarDaily = new LojalJob(this, 'CalendarDaily', {
      clientId: config.clientId,
      name: CALENDAR_DAILY_SCHEDULE.name,
      daily: { hour: CALENDAR_DAILY_SCHEDULE.hour, minute: CALENDAR_DAILY_SCHEDULE.minute, timeZone: config.timeZone },
      configJson,
      table: this.table,
      eventBus: this.eventBus,
      rejectedEvents: this.rejectedEvents.queue,
      // Above the job's 4-minute budget, so a long catch-up stops between dates, never inside one.
      timeout: Duration.minutes(6),
      description: `Emits anniversaries, birthdays and earned perks of client ${config.clientId} at local midnight`,
    });
    this.ledgerSweeper = new LojalJob(this, 'LedgerSweeper', {
      clientId: config.clientId,
      name: LEDGER_SWEEPER_SCHEDULE.name,
      schedule: Schedule.rate(Duration.minutes(LEDGER_SWEEPER_SCHEDULE.rateMinutes)),
      configJson,
      table: this.table,
      eventBus: this.eventBus,
      rejectedEvents: this.rejectedEvents.queue,
      // Above the job's 50-second budget; a run that overlaps the next is safe (every write is version-guarded).
      timeout: Duration.minutes(2),
      description: `Expires points, reviews tiers and sends tier, reward and expiry notices of client ${config.clientId}`,
    });
    this.challengeResults = new LojalJob(this, 'ChallengeResults', {
      clientId: config.clientId,
      name: CHALLENGE_RESULTS_SCHEDULE.name,
      schedule: Schedule.rate(Duration.minutes(CHALLENGE_RESULTS_SCHEDULE.rateMinutes)),
      configJson,
      table: this.table,
      eventBus: this.eventBus,
      rejectedEvents: this.rejectedEvents.queue,
      // Each due challenge reads its board's top and pays a few prizes; a run that overlaps the
      // next is safe (the result is frozen once, prizes are idempotent ledger entries).
      timeout: Duration.minutes(5),
      description: `Decides challenges of client ${config.clientId}, pays their prizes and announces the results`,
    });
    this.publisher = new WebshopPublisher(this, 'WebshopPublisher', {
      eventBus: this.eventBus,
      assumedBy: props.publisherPrincipal ?? new AccountRootPrincipal(),
      externalId: props.publisherExternalId,
    });
    const { memberApi } = config;
    this.memberApi = new MemberApi(this, 'MemberApi', {
      clientId: config.clientId,
      configJson,
      table: this.table,
      auth: memberApi.auth,
      corsOrigins: memberApi.corsOrigins,
      throttle: memberApi.throttle,
      // The webshop that sends the events calls the API too: the same principal and external id.
      ...(memberApi.auth === 'iam'
        ? { callerPrincipal: props.publisherPrincipal ?? new AccountRootPrincipal(), callerExternalId: props.publisherExternalId }
        : {}),
    });

    // Lifecycle mail: its links point at the member API, which verifies them with the same secret.
    this.email = new LojalEmail(this, 'Email', {
      clientId: config.clientId,
      config,
      configJson,
      table: this.table,
      routing: this.routing,
      rejectedEvents: this.rejectedEvents.queue,
      linkBaseUrl: this.memberApi.url,
    });
    this.email.grantLinkSecret(this.memberApi.function);
    // Opt-outs are announced as customer.unsubscribed: by the member API (the unsubscribe link) and the feedback handler.
    for (const fn of [this.memberApi.function, this.email.feedback]) {
      fn.addEnvironment('EVENT_BUS_NAME', this.eventBus.bus.eventBusName);
      this.eventBus.grantLojalPutEvents(fn);
    }

    // Shopify's native EventBridge delivery, when the client file names its partner event source.
    const partnerEventSource = config.integrations.shopify?.partnerEventSource;
    if (partnerEventSource !== undefined) {
      new ShopifyPartnerSource(this, 'ShopifyPartner', {
        clientId: config.clientId, configJson, partnerEventSource, eventBus: this.eventBus, table: this.table, rejectedEvents: this.rejectedEvents.queue,
      });
    }

    // After every Lojal job is granted: only their roles may send Source `lojal`.
    this.eventBus.reserveLojalSource();

    new CfnOutput(this, 'EventBusName', { value: this.eventBus.bus.eventBusName, description: 'Send webshop events here' });
    new CfnOutput(this, 'EventBusArn', { value: this.eventBus.bus.eventBusArn });
    new CfnOutput(this, 'PublisherRoleArn', {
      value: this.publisher.role.roleArn,
      description: 'The webshop assumes this role to call PutEvents',
    });
    new CfnOutput(this, 'RejectedEventsQueueUrl', { value: this.rejectedEvents.queue.queueUrl });
    new CfnOutput(this, 'MemberApiUrl', { value: this.memberApi.url, description: 'Base URL of the member API' });
    new CfnOutput(this, 'MailDeadLetterQueueUrl', { value: this.email.deadLetters.queue.queueUrl, description: 'Mail requests that failed on every attempt' });
    new CfnOutput(this, 'SesConfigurationSetName', { value: this.email.configurationSet.configurationSetName, description: 'Verify the sender identity in SES; mail goes through this set' });
    if (this.memberApi.callerRole) {
      new CfnOutput(this, 'MemberApiCallerRoleArn', {
        value: this.memberApi.callerRole.roleArn,
        description: 'The webshop assumes this role to sign member API requests (SigV4, service execute-api)',
      });
    }
    if (this.memberApi.apiKeySecret) {
      new CfnOutput(this, 'MemberApiKeySecretArn', {
        value: this.memberApi.apiKeySecret.secretArn,
        description: 'Holds the member API key the webshop sends in the x-api-key header',
      });
    }
  }
}
