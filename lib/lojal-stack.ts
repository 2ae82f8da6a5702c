import { CfnOutput, Duration, Stack, type StackProps, Tags } from 'aws-cdk-lib';
import { Schedule } from 'aws-cdk-lib/aws-events';
import type { JobName } from '../functions/contract/jobs';
import { AccountRootPrincipal, type IPrincipal } from 'aws-cdk-lib/aws-iam';
import { type IKey, Key } from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { routesFor } from '../functions/handlers/flow-routes';
import { useDataKeyForLogs } from './data-key';
import { EventRouting } from './event-routing';
import { FailureQueue } from './failure-queue';
import { FailureQueueOperator, failureQueueKey } from './failure-queue-operator';
import type { LoadedClient } from './load-client';
import { LojalEventBus } from './lojal-event-bus';
import { LojalEmail } from './lojal-email';
import { JOB_TABLE } from './job-table';
import { JOB_ACCESS } from './table-access';
import { LojalJob } from './lojal-job';
import { LojalFunction } from './lojal-function';
import { LojalMonitoring } from './lojal-monitoring';
import { LojalTable } from './lojal-table';
import { MemberApi } from './member-api';
import { WebshopPublisher } from './webshop-publisher';
import { ShopifyPartnerSource } from './shopify-partner-source';
import { WebshopWebhooks } from './webshop-webhooks';

/** How long a failure queue keeps an event: a week, so an operator can replay after a weekend. */
export const FAILURE_RETENTION = Duration.days(7);

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
  /**
   * Who may assume the member API's caller role (auth `iam`), when it is not the publisher: the
   * identity that mints points (PutEvents) then cannot also spend them, and the reverse.
   * @default `publisherPrincipal` (with `publisherExternalId`)
   */
  readonly callerPrincipal?: IPrincipal;
  /** @default `publisherExternalId` when `callerPrincipal` is not given, else none */
  readonly callerExternalId?: string;
  /** @default `dataKey`, else the AWS-managed key; see `LojalTableProps.encryptionKey` */
  readonly tableEncryptionKey?: IKey;
  /**
   * The client's customer-managed KMS key (docs/security.md, "Keys"): the table (unless
   * `tableEncryptionKey` is given), every queue (failure queues, the mail queue and its dead
   * letters) and every log group of the stack. bin/app.ts imports it from `-c dataKeyArn=…`.
   * @default AWS-managed encryption: `aws/dynamodb` for the table, SQS-managed keys for the mail
   *   queues, CloudWatch Logs' own encryption for the logs, and a key of this stack for the
   *   failure queues (they hold whole events and deny reads to all but the operator role)
   */
  readonly dataKey?: IKey;
  /** The ARN of `dataKey`, to import it (`-c dataKeyArn`). Give one of the two. @default none */
  readonly dataKeyArn?: string;
}

/** A `dataKey` that cannot be used, e.g. a malformed `-c dataKeyArn`. */
export class InvalidDataKeyError extends Error {
  override readonly name = 'InvalidDataKeyError';
}

const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):(\d{12}):key\/[0-9a-f-]{36}$/;

/**
 * The stack's account and region, from the data key's ARN: a KMS key serves its own region, and
 * a region-agnostic stack cannot name the table replica's key. @default undefined (no key, no env)
 */
function envOfKeyArn(arn: string | undefined): { account: string; region: string } | undefined {
  if (arn === undefined) return undefined;
  const match = KMS_KEY_ARN.exec(arn);
  if (match === null) {
    throw new InvalidDataKeyError(`Context dataKeyArn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<key id>), got "${arn}"`);
  }
  return { region: match[1] as string, account: match[2] as string };
}

/** One client's Lojal: its bus, the rules and handlers behind it, the table, and the webshop's publisher role. */
export class LojalStack extends Stack {
  readonly table: LojalTable;
  readonly eventBus: LojalEventBus;
  readonly routing: EventRouting;
  readonly rejectedEvents: FailureQueue;
  /** Encrypts the failure queues (the client's own key when `dataKey` is given). */
  readonly failureKey: IKey;
  /** The only role that may read the failure queues. */
  readonly failureOperator: FailureQueueOperator;
  readonly publisher: WebshopPublisher;
  /** The scheduled jobs of JOB_TABLE, by name. */
  readonly jobs: ReadonlyMap<JobName, LojalJob>;
  readonly memberApi: MemberApi;
  readonly email: LojalEmail;
  readonly monitoring: LojalMonitoring;
  /** The client's customer-managed key, when given. */
  readonly dataKey?: IKey;

  constructor(scope: Construct, id: string, props: LojalStackProps) {
    super(scope, id, {
      description: `Lojal loyalty backend for client ${props.client.config.clientId}`,
      ...props,
      // A table under a customer-managed key needs its region at synthesis: the key's own.
      env: props.env ?? envOfKeyArn(props.dataKeyArn),
    });
    const { config, configJson } = props.client;
    Tags.of(this).add('lojal:client', config.clientId);

    if (props.dataKey !== undefined && props.dataKeyArn !== undefined) {
      throw new InvalidDataKeyError('LojalStack: give dataKey or dataKeyArn, not both');
    }
    const dataKey = props.dataKey ?? (props.dataKeyArn === undefined ? undefined : Key.fromKeyArn(this, 'DataKey', props.dataKeyArn));
    this.dataKey = dataKey;
    this.table = new LojalTable(this, 'Data', { encryptionKey: props.tableEncryptionKey ?? dataKey });
    this.eventBus = new LojalEventBus(this, 'Events', { clientId: config.clientId, allowedSources: config.allowedSources });
    // The three failure queues hold whole events (addresses, names, birthdays): a KMS key, a
    // week's retention (long enough to replay after a weekend) and reads for the operator role only.
    this.failureKey = failureQueueKey(this, 'FailureQueuesKey', dataKey);
    this.rejectedEvents = new FailureQueue(this, 'RejectedEvents', {
      holds: 'It holds malformed events with the error naming the field, for an operator to inspect, fix and replay.',
      encryptionKey: this.failureKey,
      retentionPeriod: FAILURE_RETENTION,
    });
    this.routing = new EventRouting(this, 'Routing', {
      clientId: config.clientId,
      configJson,
      eventBus: this.eventBus,
      table: this.table,
      rejectedEvents: this.rejectedEvents.queue,
      failureKey: this.failureKey,
      failureRetention: FAILURE_RETENTION,
      // Lojal's routes and, with flows in the client file, the flows handler's (docs/flows.md).
      routes: routesFor(config),
    });
    // One loop over the job table (lib/job-table.ts): the jobs differ only in data.
    const jobs = new Map<JobName, LojalJob>();
    for (const row of JOB_TABLE) {
      const description = row.describe(config.clientId);
      jobs.set(
        row.name,
        new LojalJob(this, row.id, {
          clientId: config.clientId,
          name: row.name,
          ...('everyMinutes' in row.when
            ? { schedule: Schedule.rate(Duration.minutes(row.when.everyMinutes)) }
            : { daily: { ...row.when.daily, timeZone: config.timeZone } }),
          configJson,
          table: this.table,
          tableAccess: JOB_ACCESS[row.name],
          eventBus: this.eventBus,
          rejectedEvents: this.rejectedEvents.queue,
          timeout: row.timeout,
          description,
        }),
      );
    }
    this.jobs = jobs;
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
      linkThrottle: memberApi.linkThrottle,
      // Unless told otherwise, the webshop that sends the events calls the API too: the same principal and external id.
      ...(memberApi.auth === 'iam'
        ? props.callerPrincipal
          ? { callerPrincipal: props.callerPrincipal, callerExternalId: props.callerExternalId }
          : { callerPrincipal: props.publisherPrincipal ?? new AccountRootPrincipal(), callerExternalId: props.publisherExternalId }
        : // With API-key auth there is no caller role: MemberApi refuses a caller principal.
          { callerPrincipal: props.callerPrincipal, callerExternalId: props.callerExternalId }),
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
      dataKey,
    });
    this.email.grantLinkSecret(this.memberApi.function);
    // Flows mail through the mail queue and emit their events (Source `lojal`) on the bus.
    const flows = this.routing.functions.get('flows');
    if (flows) {
      this.email.bindQueue(flows);
      flows.addEnvironment('EVENT_BUS_NAME', this.eventBus.bus.eventBusName);
      this.eventBus.grantLojalPutEvents(flows);
    }
    // Opt-outs are announced as customer.unsubscribed: by the member API (the unsubscribe link) and the feedback handler.
    for (const fn of [this.memberApi.function, this.email.feedback]) {
      fn.addEnvironment('EVENT_BUS_NAME', this.eventBus.bus.eventBusName);
      this.eventBus.grantLojalPutEvents(fn);
    }

    // Shopify's native EventBridge delivery, when the client file names its partner event source.
    const partnerEventSource = config.integrations.shopify?.partnerEventSource;
    if (partnerEventSource !== undefined) {
      new ShopifyPartnerSource(this, 'ShopifyPartner', {
        clientId: config.clientId,
        configJson,
        partnerEventSource,
        eventBus: this.eventBus,
        table: this.table,
        rejectedEvents: this.rejectedEvents.queue,
        dataKey,
      });
    }

    // The HTTPS webhook receivers, on the member API's URL, for the platforms the client file turns on.
    const webhookPlatforms = [
      ...(config.integrations.shopify?.webhooks ? (['shopify'] as const) : []),
      ...(config.integrations.woocommerce ? (['woocommerce'] as const) : []),
    ];
    if (webhookPlatforms.length > 0) {
      const webhooks = new WebshopWebhooks(this, 'WebshopWebhooks', {
        clientId: config.clientId,
        configJson,
        httpApi: this.memberApi.httpApi,
        platforms: webhookPlatforms,
        eventBus: this.eventBus,
        table: this.table,
        rejectedEvents: this.rejectedEvents.queue,
      });
      new CfnOutput(this, 'WebhookSecretArn', {
        value: webhooks.secret.secretArn,
        description: 'Webhook signing secrets: put the Shopify app client secret under "shopify"; "woocommerce" is generated',
      });
    }

    this.failureOperator = new FailureQueueOperator(this, 'FailureQueueOperator', {
      queues: [this.rejectedEvents, this.routing.deliveryFailures, this.routing.processingFailures],
      key: this.failureKey,
    });

    // Last, so it watches every function the stack made.
    this.monitoring = new LojalMonitoring(this, 'Monitoring', {
      clientId: config.clientId,
      functions: this.node.findAll().filter((c): c is LojalFunction => c instanceof LojalFunction),
      eventHandlers: [...this.routing.functions.values(), this.email.feedback],
      deadLetterQueues: [
        { name: 'RejectedEvents', queue: this.rejectedEvents.queue },
        { name: 'DeliveryFailures', queue: this.routing.deliveryFailures.queue },
        { name: 'ProcessingFailures', queue: this.routing.processingFailures.queue },
        { name: 'MailDeadLetters', queue: this.email.deadLetters.queue },
      ],
      mailQueue: this.email.queue,
      configurationSetName: this.email.configurationSet.configurationSetName,
      alarmEmail: config.alarmEmail,
      linkRoutes: { accessLogs: this.memberApi.accessLogs, routeKeys: this.memberApi.linkRouteKeys },
    });

    // Last but for the bus policy: every log group of the stack exists by now.
    if (dataKey) useDataKeyForLogs(this, dataKey);

    // After every Lojal job is granted: only their roles may send Source `lojal`.
    this.eventBus.reserveLojalSource();

    new CfnOutput(this, 'EventBusName', { value: this.eventBus.bus.eventBusName, description: 'Send webshop events here' });
    new CfnOutput(this, 'EventBusArn', { value: this.eventBus.bus.eventBusArn });
    new CfnOutput(this, 'PublisherRoleArn', {
      value: this.publisher.role.roleArn,
      description: 'The webshop assumes this role to call PutEvents',
    });
    new CfnOutput(this, 'RejectedEventsQueueUrl', { value: this.rejectedEvents.queue.queueUrl });
    new CfnOutput(this, 'AlarmTopicArn', {
      value: this.monitoring.topic.topicArn,
      description: 'Alarms go here (alarmEmail in the client file subscribes an address)',
    });
    new CfnOutput(this, 'MemberApiUrl', { value: this.memberApi.url, description: 'Base URL of the member API' });
    new CfnOutput(this, 'MailDeadLetterQueueUrl', {
      value: this.email.deadLetters.queue.queueUrl,
      description: 'Mail requests that failed on every attempt',
    });
    new CfnOutput(this, 'SesConfigurationSetName', {
      value: this.email.configurationSet.configurationSetName,
      description: 'Verify the sender identity in SES; mail goes through this set',
    });
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
