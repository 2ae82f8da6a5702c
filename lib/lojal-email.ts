import { Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import { EventBus, Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { ConfigurationSet, EmailSendingEvent, EventDestination, SuppressionReasons } from 'aws-cdk-lib/aws-ses';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { type IQueue, Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { MAIL_RELEASE_SCHEDULE } from '../functions/app/release-deferred-mail';
import type { ProgramConfig } from '../functions/config/program';
import type { EmailEntryName } from '../functions/contract/email';
import { SES_FEEDBACK_DETAIL_TYPES, SES_SOURCE } from '../functions/contract/ses-events';
import { EMAIL_HANDLER_NAMES } from '../functions/handlers/email-handlers';
import { LAMBDA_ENTRIES_DIR, type EventRouting } from './event-routing';
import { FailureQueue } from './failure-queue';
import { LojalFunction } from './lojal-function';
import { MAIL_ACCESS } from './table-access';
import type { LojalTable } from './lojal-table';

export interface LojalEmailProps {
  readonly clientId: string;
  readonly config: Pick<ProgramConfig, 'brand'>;
  /** The client's configuration as JSON (`LoadedClient.configJson`). */
  readonly configJson: string;
  readonly table: LojalTable;
  /** Where the email route handlers are; they get the queue's URL and the right to send to it. */
  readonly routing: EventRouting;
  /** The feedback handler dead-letters malformed SES events here (it shares the handlers' bootstrap). */
  readonly rejectedEvents: IQueue;
  /** Public https base URL of the member API, where the links in mail (unsubscribe, check-in answers) point. */
  readonly linkBaseUrl: string;
  /**
   * The SES account's maximum send rate, shared by every client in the account if several are.
   * @default 14 (a new production SES account)
   */
  readonly sendRatePerSecond?: number;
  /** Sender functions at once (the SQS event source's maximum concurrency, 2 to 1000). @default 2 */
  readonly maxConcurrency?: number;
  /**
   * The verified SES identity mail is sent from: the sender address's domain, or the address.
   * @default both the address and its domain, whichever is verified
   */
  readonly sesIdentities?: readonly string[];
  /** The client's customer-managed key for the mail queue and its dead letters (they hold mail requests). @default SQS-managed encryption */
  readonly dataKey?: IKey | undefined;
}

/**
 * Lifecycle mail for one client: the mail queue (encrypted, with a dead-letter queue) between
 * the email route handlers and the sender; the sender, an SQS consumer with bounded
 * concurrency and batch item failures; the SES configuration set whose bounces and complaints
 * SES publishes to the account's default bus, and the rule there that hands this set's events
 * to the feedback handler; the deferred-mail release job; and the generated link-signing
 * secret. Every grant is made here, narrowly, in the same step that sets the variable.
 */
export class LojalEmail extends Construct {
  readonly queue: Queue;
  readonly deadLetters: FailureQueue;
  readonly linkSecret: Secret;
  readonly configurationSet: ConfigurationSet;
  readonly sender: LojalFunction;
  readonly feedback: LojalFunction;
  readonly release: LojalFunction;
  readonly feedbackRule: Rule;
  readonly releaseRule: Rule;

  constructor(scope: Construct, id: string, props: LojalEmailProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const maxConcurrency = props.maxConcurrency ?? 2;
    const sendRate = props.sendRatePerSecond ?? 14;
    if (maxConcurrency < 2 || maxConcurrency > 1000) throw new Error(`LojalEmail: maxConcurrency must be 2 to 1000, got ${maxConcurrency}`);
    if (!(sendRate > 0)) throw new Error(`LojalEmail: sendRatePerSecond must be above zero, got ${sendRate}`);
    if (!Token.isUnresolved(props.linkBaseUrl) && !props.linkBaseUrl.startsWith('https://')) {
      throw new Error(`LojalEmail: linkBaseUrl must be an https URL (RFC 8058 one-click unsubscribe), got ${props.linkBaseUrl}`);
    }

    this.deadLetters = new FailureQueue(this, 'DeadLetters', {
      holds: 'It holds mail requests the sender failed on every attempt (throttled for long, SES unavailable), for an operator to redrive.',
      ...(props.dataKey ? { encryptionKey: props.dataKey } : {}),
    });
    const senderTimeout = Duration.seconds(30);
    this.queue = new Queue(this, 'Queue', {
      ...(props.dataKey
        ? { encryption: QueueEncryption.KMS, encryptionMasterKey: props.dataKey }
        : { encryption: QueueEncryption.SQS_MANAGED }),
      enforceSSL: true,
      // AWS asks for six times the function timeout, so a batch is never visible twice while it runs.
      visibilityTimeout: Duration.seconds(senderTimeout.toSeconds() * 6),
      retentionPeriod: Duration.days(4),
      // The sender backs a failed message off 30 s doubling to 15 min: eight receives span about 45 minutes.
      deadLetterQueue: { queue: this.deadLetters.queue, maxReceiveCount: 8 },
    });

    this.linkSecret = new Secret(this, 'LinkSecret', {
      description: `Signs the unsubscribe and check-in links in mail of client ${props.clientId}`,
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    Validations.of(this.linkSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Rotating the link key would break every unsubscribe link already in members’ mailboxes, which the law requires to keep working.',
    });

    const configurationSetName = `lojal-${props.clientId}`;
    this.configurationSet = new ConfigurationSet(this, 'ConfigurationSet', {
      configurationSetName,
      reputationMetrics: true,
      // SES's own account-level list as well as Lojal's: neither lets a hard bounce be mailed again.
      suppressionReasons: SuppressionReasons.BOUNCES_AND_COMPLAINTS,
    });
    // SES publishes to the default bus only.
    const defaultBus = EventBus.fromEventBusArn(
      this,
      'DefaultBus',
      stack.formatArn({ service: 'events', resource: 'event-bus', resourceName: 'default' }),
    );
    this.configurationSet.addEventDestination('Feedback', {
      destination: EventDestination.eventBus(defaultBus),
      events: [EmailSendingEvent.BOUNCE, EmailSendingEvent.COMPLAINT],
    });

    // The sender: the queue's consumer.
    this.sender = this.lojalFunction('email-sender', props, {
      description: `Sends the lifecycle mail of client ${props.clientId}`,
      timeout: senderTimeout,
    });
    this.sender.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: 10,
        maxBatchingWindow: Duration.seconds(1),
        maxConcurrency,
        reportBatchItemFailures: true,
      }),
    );
    this.sender.addEnvironment('MAIL_QUEUE_URL', this.queue.queueUrl);
    this.sender.addEnvironment('LINK_BASE_URL', props.linkBaseUrl);
    this.sender.addEnvironment('SES_CONFIGURATION_SET', configurationSetName);
    // Each concurrent sender takes its share of the account's rate.
    this.sender.addEnvironment('MAX_SENDS_PER_SECOND', String(Math.max(0.1, sendRate / maxConcurrency)));
    this.grantLinkSecret(this.sender);
    const address = props.config.brand.senderAddress;
    const identities = props.sesIdentities ?? [address, address.slice(address.indexOf('@') + 1)];
    this.sender.addToRolePolicy(
      new PolicyStatement({
        actions: ['ses:SendEmail'],
        resources: [
          ...identities.map((identity) => stack.formatArn({ service: 'ses', resource: 'identity', resourceName: identity })),
          stack.formatArn({ service: 'ses', resource: 'configuration-set', resourceName: configurationSetName }),
        ],
        conditions: { StringEquals: { 'ses:FromAddress': address } },
      }),
    );

    // Bounces and complaints: a rule on the default bus, matching this client's configuration set only.
    this.feedback = this.lojalFunction('email-feedback', props, {
      description: `Suppresses addresses that bounce or complain, client ${props.clientId}`,
    });
    this.feedback.bindRejectedEvents(props.rejectedEvents);
    // Like the route handlers: a feedback event whose handler keeps failing is kept, not lost.
    this.feedback.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: new SqsDestination(props.routing.processingFailures.queue),
    });
    this.feedbackRule = new Rule(this, 'FeedbackRule', {
      description: `SES bounces and complaints of configuration set ${configurationSetName}`,
      eventPattern: {
        source: [SES_SOURCE],
        detailType: [...SES_FEEDBACK_DETAIL_TYPES],
        detail: { mail: { tags: { 'ses:configuration-set': [configurationSetName] } } },
      },
    });
    this.feedbackRule.addTarget(
      new LambdaFunction(this.feedback, {
        deadLetterQueue: props.routing.deliveryFailures.queue,
        maxEventAge: Duration.hours(24),
        retryAttempts: 185,
      }),
    );

    // The release job puts deferred mail back on the queue when its time comes.
    this.release = this.lojalFunction('email-release', props, {
      description: `Releases deferred mail of client ${props.clientId}`,
      // Far below the release lease (10 minutes), so a run never outlives the mail it took.
      timeout: Duration.minutes(2),
    });
    this.bindQueue(this.release);
    this.releaseRule = new Rule(this, 'ReleaseSchedule', {
      description: `Every minute: deferred mail of client ${props.clientId} whose time has come`,
      schedule: Schedule.rate(Duration.minutes(MAIL_RELEASE_SCHEDULE.rateMinutes)),
    });
    // A missed run is harmless: the next finds the same mail.
    this.releaseRule.addTarget(new LambdaFunction(this.release, { retryAttempts: 0 }));

    for (const handler of EMAIL_HANDLER_NAMES) {
      const fn = props.routing.functions.get(handler);
      if (fn) this.bindQueue(fn);
    }
  }

  /** Sets `MAIL_QUEUE_URL` and grants sending to the mail queue, in one step. */
  bindQueue(fn: LojalFunction): void {
    fn.addEnvironment('MAIL_QUEUE_URL', this.queue.queueUrl);
    this.queue.grantSendMessages(fn);
  }

  /** Sets `LINK_SECRET_ARN` and grants `secretsmanager:GetSecretValue` on the link secret alone (the member API verifies links with it). */
  grantLinkSecret(fn: LojalFunction): void {
    fn.addEnvironment('LINK_SECRET_ARN', this.linkSecret.secretArn);
    fn.addToRolePolicy(new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [this.linkSecret.secretArn] }));
  }

  private lojalFunction(
    name: keyof typeof MAIL_ACCESS & EmailEntryName,
    props: LojalEmailProps,
    options: { description: string; timeout?: Duration },
  ): LojalFunction {
    const fn = new LojalFunction(
      this,
      name.replace(/(^|-)([a-z])/g, (_, _dash: string, letter: string) => letter.toUpperCase()),
      {
        entry: `${LAMBDA_ENTRIES_DIR}${name}.ts`,
        configJson: props.configJson,
        serviceName: name,
        functionName: `lojal-${props.clientId}-${name}`,
        description: options.description,
        ...(options.timeout ? { timeout: options.timeout } : {}),
      },
    );
    fn.bindTable(props.table, MAIL_ACCESS[name]);
    return fn;
  }
}
