import { Duration, Stack, TimeZone } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Rule, type Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Schedule as SchedulerSchedule, ScheduleExpression, TimeWindow } from 'aws-cdk-lib/aws-scheduler';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { LAMBDA_ENTRIES_DIR } from './event-routing';
import type { LojalEventBus } from './lojal-event-bus';
import { LojalFunction } from './lojal-function';
import type { LojalTable } from './lojal-table';
import type { TableAccess } from './table-access';

export interface LojalJobProps {
  readonly clientId: string;
  /** The entry file's name under functions/lambda/, without `.ts`, e.g. `timeline-sweeper`. */
  readonly name: string;
  /** When it runs, in UTC, e.g. `Schedule.rate(Duration.minutes(1))`. Give this or `daily`. */
  readonly schedule?: Schedule;
  /**
   * Daily at a local wall time in an IANA time zone, through EventBridge Scheduler: a rule's cron
   * knows only UTC, so "midnight in Stockholm" would move by an hour at every daylight-saving
   * change. Give this or `schedule`.
   */
  readonly daily?: { readonly hour: number; readonly minute: number; readonly timeZone: string };
  /** The client's configuration as JSON (`LoadedClient.configJson`). */
  readonly configJson: string;
  readonly table: LojalTable;
  /** What the job's code does with the table (lib/table-access.ts, JOB_ACCESS). */
  readonly tableAccess: TableAccess;
  /** The job puts Lojal's own events (Source `lojal`) here. */
  readonly eventBus: LojalEventBus;
  /** Handlers' rejected-events queue (the shared bootstrap requires it). */
  readonly rejectedEvents: IQueue;
  /** Must stay below any lease the job takes. @default 2 minutes */
  readonly timeout?: Duration;
  readonly description: string;
}

/**
 * A scheduled job that emits Lojal's own events: its function, the schedule rule that starts
 * it (on the default bus, where schedules live), the table binding, and the right to put
 * events on the client's bus with `Source: lojal` only.
 */
export class LojalJob extends Construct {
  readonly function: LojalFunction;
  /** The rule that starts a `schedule` job. */
  readonly rule?: Rule;
  /** The EventBridge Scheduler schedule that starts a `daily` job. */
  readonly dailySchedule?: SchedulerSchedule;

  constructor(scope: Construct, id: string, props: LojalJobProps) {
    super(scope, id);
    if ((props.schedule === undefined) === (props.daily === undefined)) {
      throw new InvalidLojalJobError(`LojalJob ${id}: give either schedule or daily, not both and not neither`);
    }
    this.function = new LojalFunction(this, 'Function', {
      entry: `${LAMBDA_ENTRIES_DIR}${props.name}.ts`,
      configJson: props.configJson,
      serviceName: props.name,
      functionName: `lojal-${props.clientId}-${props.name}`,
      description: props.description,
      timeout: props.timeout ?? Duration.minutes(2),
      environment: { EVENT_BUS_NAME: props.eventBus.bus.eventBusName },
    });
    this.function.bindTable(props.table, props.tableAccess).bindRejectedEvents(props.rejectedEvents);
    props.eventBus.grantLojalPutEvents(this.function);
    if (props.schedule) {
      this.rule = new Rule(this, 'Schedule', { schedule: props.schedule, description: props.description });
      // A missed run is harmless: the next one finds the same due work, so no retries pile up.
      this.rule.addTarget(new LambdaFunction(this.function, { retryAttempts: 0 }));
    } else if (props.daily) {
      const { hour, minute, timeZone } = props.daily;
      // Scheduler's own role, allowed to invoke exactly this function (the stock LambdaInvoke
      // target would also grant its versions and aliases, `<arn>:*`, which Lojal never uses).
      const invoker = new Role(this, 'ScheduleRole', {
        assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
          conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
        }),
        description: `Lets EventBridge Scheduler start ${props.name}`,
      });
      invoker.addToPolicy(new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.function.functionArn] }));
      this.dailySchedule = new SchedulerSchedule(this, 'Schedule', {
        schedule: ScheduleExpression.cron({ minute: String(minute), hour: String(hour), timeZone: TimeZone.of(timeZone) }),
        timeWindow: TimeWindow.off(),
        description: props.description,
        target: {
          bind: () => ({
            arn: this.function.functionArn,
            role: invoker,
            // A daily run that is not delivered would leave its day for the next run, a day
            // late: keep trying for a few hours (the job itself is idempotent).
            retryPolicy: { maximumRetryAttempts: 20, maximumEventAgeInSeconds: Duration.hours(6).toSeconds() },
          }),
        },
      });
    }
  }
}

/** LojalJob props that cannot work together, e.g. both a rule schedule and a daily time. */
export class InvalidLojalJobError extends Error {
  override readonly name = 'InvalidLojalJobError';
}
