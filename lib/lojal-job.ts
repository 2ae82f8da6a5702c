import { Duration } from 'aws-cdk-lib';
import { Rule, type Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { LAMBDA_ENTRIES_DIR } from './event-routing';
import type { LojalEventBus } from './lojal-event-bus';
import { LojalFunction } from './lojal-function';
import type { LojalTable } from './lojal-table';

export interface LojalJobProps {
  readonly clientId: string;
  /** The entry file's name under functions/lambda/, without `.ts`, e.g. `timeline-sweeper`. */
  readonly name: string;
  /** When it runs, e.g. `Schedule.rate(Duration.minutes(1))`. */
  readonly schedule: Schedule;
  /** The client's configuration as JSON (`LoadedClient.configJson`). */
  readonly configJson: string;
  readonly table: LojalTable;
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
  readonly rule: Rule;

  constructor(scope: Construct, id: string, props: LojalJobProps) {
    super(scope, id);
    this.function = new LojalFunction(this, 'Function', {
      entry: `${LAMBDA_ENTRIES_DIR}${props.name}.ts`,
      configJson: props.configJson,
      serviceName: props.name,
      functionName: `lojal-${props.clientId}-${props.name}`,
      description: props.description,
      timeout: props.timeout ?? Duration.minutes(2),
      environment: { EVENT_BUS_NAME: props.eventBus.bus.eventBusName },
    });
    this.function.bindTable(props.table, 'readWrite').bindRejectedEvents(props.rejectedEvents);
    props.eventBus.grantLojalPutEvents(this.function);
    this.rule = new Rule(this, 'Schedule', { schedule: props.schedule, description: props.description });
    // A missed run is harmless: the next one finds the same due work, so no retries pile up.
    this.rule.addTarget(new LambdaFunction(this.function, { retryAttempts: 0 }));
  }
}
