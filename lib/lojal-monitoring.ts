import { Duration, Names } from 'aws-cdk-lib';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { FilterPattern, type ILogGroup, MetricFilter } from 'aws-cdk-lib/aws-logs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE } from './lojal-function';

/** SES's review threshold for bounces is 5 % and for complaints 0.1 %: alarm well before the first. */
export const SES_BOUNCE_RATE_ALARM = 0.02;
export const SES_COMPLAINT_RATE_ALARM = 0.001;

export interface LojalMonitoringProps {
  readonly clientId: string;
  /** Every function of the stack: an alarm each on errors and on throttles. */
  readonly functions: readonly IFunction[];
  /** The functions EventBridge invokes asynchronously: an alarm each on the age of the events they work through. */
  readonly eventHandlers: readonly IFunction[];
  /**
   * Events older than this when a handler gets them mean retries are piling up (the bus retries for
   * 24 hours, Lambda's async queue for 6). @default 15 minutes
   */
  readonly maxEventAge?: Duration;
  /** Queues where failures land (rejected events, failed deliveries and processing, dead mail): an alarm each when one holds anything. */
  readonly deadLetterQueues: readonly { readonly name: string; readonly queue: IQueue }[];
  /** The mail request queue: an alarm when its oldest request waits longer than `maxMailWait`. */
  readonly mailQueue: IQueue;
  /** @default 30 minutes */
  readonly maxMailWait?: Duration;
  /** The SES configuration set the mail goes through, with reputation metrics on: its bounce and complaint rates. */
  readonly configurationSetName: string;
  /** An address subscribed to the alarm topic. @default none */
  readonly alarmEmail?: string | undefined;
  /**
   * The public link routes (unsubscribe and check-in) and the access log they are logged to:
   * alarms on their 4xx and 429 rates, from metric filters on the log. @default none
   */
  readonly linkRoutes?: { readonly accessLogs: ILogGroup; readonly routeKeys: readonly string[] };
}

/**
 * The link routes' 4xx rate alarm: above 25 % of at least 20 requests in 5 minutes means forged or
 * broken links in bulk (a bad token is answered 403), not one mistyped link.
 */
export const LINK_4XX_RATE_ALARM_PERCENT = 25;
export const LINK_4XX_MIN_REQUESTS = 20;
/** The link routes' 429 rate alarm: above 1 %, real clicks (one-click unsubscribes among them) are being refused. */
export const LINK_429_RATE_ALARM_PERCENT = 1;

/**
 * One client's CloudWatch dashboard and alarms (docs/measurement.md): dead letters > 0, event age,
 * handler errors and throttles, mail backlog, SES bounce rate > 2 % and complaint rate > 0.1 %,
 * each alarming to one SNS topic encrypted with a key of its own (CloudWatch cannot publish to a
 * topic under the AWS-managed SNS key), which the client file may subscribe an address to.
 */
export class LojalMonitoring extends Construct {
  readonly topic: Topic;
  readonly dashboard: Dashboard;
  readonly alarms: readonly Alarm[];

  constructor(scope: Construct, id: string, props: LojalMonitoringProps) {
    super(scope, id);
    const key = new Key(this, 'TopicKey', {
      description: `Encrypts the Lojal alarm topic of ${props.clientId}`,
      enableKeyRotation: true,
    });
    // CloudWatch publishes alarms into the topic and must be able to encrypt for it.
    key.grant(new ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    this.topic = new Topic(this, 'Topic', {
      displayName: `Lojal ${props.clientId} alarms`,
      masterKey: key,
      enforceSSL: true,
    });
    if (props.alarmEmail !== undefined) this.topic.addSubscription(new EmailSubscription(props.alarmEmail));

    const action = new SnsAction(this.topic);
    const alarms: Alarm[] = [];
    const alarm = (alarmId: string, metric: IMetric, threshold: number, description: string, evaluationPeriods = 1) => {
      const created = new Alarm(this, alarmId, {
        metric,
        threshold,
        evaluationPeriods,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        // No data is no traffic: quiet, not broken.
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription: `Lojal ${props.clientId}: ${description}`,
      });
      created.addAlarmAction(action);
      created.addOkAction(action);
      alarms.push(created);
      return created;
    };
    const fiveMinutes = Duration.minutes(5);

    const deadLetters = props.deadLetterQueues.map(({ name, queue }) => {
      const metric = queue.metricApproximateNumberOfMessagesVisible({ period: fiveMinutes, statistic: 'Maximum' });
      alarm(`DeadLetters${name}`, metric, 0, `${name} holds messages (dead letters > 0): inspect and replay them`);
      return metric.with({ label: name });
    });

    // Alarm ids from the function's path, so adding a function renames no alarm.
    const idOf = (fn: IFunction) => Names.nodeUniqueId(fn.node);
    const errors = props.functions.map((fn) => {
      const metric = fn.metricErrors({ period: fiveMinutes, statistic: 'Sum' });
      alarm(`Errors${idOf(fn)}`, metric, 0, `a handler failed (Lambda errors > 0)`);
      return metric.with({ label: fn.node.path });
    });
    const throttles = props.functions.map((fn) => {
      const metric = fn.metricThrottles({ period: fiveMinutes, statistic: 'Sum' });
      alarm(`Throttles${idOf(fn)}`, metric, 0, `a handler was throttled (Lambda throttles > 0)`);
      return metric.with({ label: fn.node.path });
    });
    const maxEventAge = props.maxEventAge ?? Duration.minutes(15);
    const eventAges = props.eventHandlers.map((fn) => {
      const metric = fn.metric('AsyncEventAge', { period: fiveMinutes, statistic: 'Maximum' });
      alarm(
        `EventAge${idOf(fn)}`,
        metric,
        maxEventAge.toMilliseconds(),
        `events reach a handler more than ${maxEventAge.toHumanString()} late`,
      );
      return metric.with({ label: fn.node.path });
    });

    const maxMailWait = props.maxMailWait ?? Duration.minutes(30);
    const mailAge = props.mailQueue.metricApproximateAgeOfOldestMessage({ period: fiveMinutes, statistic: 'Maximum' });
    alarm('MailBacklog', mailAge, maxMailWait.toSeconds(), `mail requests wait more than ${maxMailWait.toHumanString()} (mail backlog)`, 3);
    const mailAgeShown = mailAge.with({ label: 'oldest mail request (s)' });
    const mailWaiting = props.mailQueue.metricApproximateNumberOfMessagesVisible({
      period: fiveMinutes,
      statistic: 'Maximum',
      label: 'mail requests waiting',
    });

    const ses = (metricName: string) =>
      new Metric({
        namespace: 'AWS/SES',
        metricName,
        dimensionsMap: { 'ses:configuration-set': props.configurationSetName },
        period: Duration.hours(1),
        statistic: 'Average',
      });
    const bounceRate = ses('Reputation.BounceRate');
    const complaintRate = ses('Reputation.ComplaintRate');
    alarm('SesBounceRate', bounceRate, SES_BOUNCE_RATE_ALARM, 'SES bounce rate above 2 % (SES reviews an account at 5 %)');
    alarm('SesComplaintRate', complaintRate, SES_COMPLAINT_RATE_ALARM, 'SES complaint rate above 0.1 % (SES reviews an account at 0.1 %)');
    const linkWidgets = props.linkRoutes ? this.linkRouteAlarms(props.clientId, props.linkRoutes, alarm) : [];
    this.alarms = alarms;

    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: `lojal-${props.clientId}`,
      widgets: [
        [new AlarmStatusWidget({ title: 'Alarms', alarms, width: 24, height: 4 })],
        [
          new GraphWidget({ title: 'Dead letters', left: deadLetters, width: 12 }),
          new GraphWidget({ title: 'Event age at the handler (ms)', left: eventAges, width: 12 }),
        ],
        [
          new GraphWidget({ title: 'Handler errors', left: errors, width: 12 }),
          new GraphWidget({ title: 'Handler throttles', left: throttles, width: 12 }),
        ],
        [
          new GraphWidget({ title: 'Mail queue', left: [mailWaiting], right: [mailAgeShown], width: 12 }),
          new GraphWidget({
            title: 'SES bounce and complaint rates',
            left: [bounceRate.with({ label: 'bounce rate' }), complaintRate.with({ label: 'complaint rate' })],
            width: 12,
          }),
        ],
        ...(linkWidgets.length > 0 ? [linkWidgets] : []),
      ],
    });
  }

  /**
   * Counts the link routes' requests, 4xx and 429 answers from their access-log lines (HTTP APIs
   * publish per-route metrics only with paid detailed metrics, and no 429 metric at all), and
   * alarms on the two rates.
   */
  private linkRouteAlarms(
    clientId: string,
    links: NonNullable<LojalMonitoringProps['linkRoutes']>,
    alarm: (id: string, metric: IMetric, threshold: number, description: string, evaluationPeriods?: number) => Alarm,
  ): GraphWidget[] {
    const namespace = `${METRICS_NAMESPACE}/${clientId}`;
    const onLinkRoute = links.routeKeys.map((key) => `$.routeKey = ${JSON.stringify(key)}`).join(' || ');
    const count = (id: string, metricName: string, status?: string) => {
      new MetricFilter(this, id, {
        logGroup: links.accessLogs,
        metricNamespace: namespace,
        metricName,
        filterPattern: FilterPattern.literal(`{ (${onLinkRoute})${status === undefined ? '' : ` && $.status = "${status}"`} }`),
        metricValue: '1',
        defaultValue: 0,
      });
      return new Metric({ namespace, metricName, period: Duration.minutes(5), statistic: 'Sum' });
    };
    const requests = count('LinkRequestsFilter', 'LinkRequests');
    const clientErrors = count('LinkClientErrorsFilter', 'LinkClientErrors', '4*');
    const throttled = count('LinkThrottledFilter', 'LinkThrottled', '429');
    const usingMetrics = { requests, errors: clientErrors };
    const errorRate = new MathExpression({
      expression: `IF(requests >= ${LINK_4XX_MIN_REQUESTS}, 100 * errors / requests, 0)`,
      usingMetrics,
      period: Duration.minutes(5),
      label: 'link 4xx rate (%)',
    });
    const throttleRate = new MathExpression({
      expression: 'IF(requests > 0, 100 * throttled / requests, 0)',
      usingMetrics: { requests, throttled },
      period: Duration.minutes(5),
      label: 'link 429 rate (%)',
    });
    alarm(
      'LinkRoutes4xxRate',
      errorRate,
      LINK_4XX_RATE_ALARM_PERCENT,
      `more than ${LINK_4XX_RATE_ALARM_PERCENT} % of the email-link requests are refused (4xx): forged or broken links in bulk`,
    );
    alarm(
      'LinkRoutes429Rate',
      throttleRate,
      LINK_429_RATE_ALARM_PERCENT,
      `more than ${LINK_429_RATE_ALARM_PERCENT} % of the email-link requests are throttled (429): real unsubscribes may fail`,
    );
    return [
      new GraphWidget({
        title: 'Email-link routes',
        left: [requests.with({ label: 'requests' }), clientErrors.with({ label: '4xx' }), throttled.with({ label: '429' })],
        width: 12,
      }),
      new GraphWidget({ title: 'Email-link 4xx and 429 rates (%)', left: [errorRate, throttleRate], width: 12 }),
    ];
  }
}
