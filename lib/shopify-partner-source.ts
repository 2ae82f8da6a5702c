import { Duration } from 'aws-cdk-lib';
import { EventBus, Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { shopifyPartnerPattern } from '../functions/integrations/shopify-eventbridge';
import { LAMBDA_ENTRIES_DIR } from './event-routing';
import { FailureQueue } from './failure-queue';
import type { LojalEventBus } from './lojal-event-bus';
import { LojalFunction } from './lojal-function';
import type { LojalTable } from './lojal-table';

export interface ShopifyPartnerSourceProps {
  readonly clientId: string;
  readonly configJson: string;
  /** The partner event source Shopify created (`aws.partner/shopify.com/<app id>/<name>`), from the client file. */
  readonly partnerEventSource: string;
  /** Lojal's client bus, where the translated events go. */
  readonly eventBus: LojalEventBus;
  readonly table: LojalTable;
  /** Where payloads that cannot be mapped go, naming the field. */
  readonly rejectedEvents: IQueue;
  /** The client's customer-managed key for the failures queue (whole Shopify payloads). @default SQS-managed encryption */
  readonly dataKey?: IKey | undefined;
}

/**
 * Shopify's native EventBridge delivery: the partner event bus associated with the client's
 * partner event source, one rule for every Shopify webhook on it, and the translator that
 * puts Lojal's events on the client bus with the webshop's source (never `lojal`).
 * The partner source must exist first: Shopify creates it when the app's EventBridge
 * subscription is set up (Shopify and WooCommerce).
 */
export class ShopifyPartnerSource extends Construct {
  readonly partnerBus: EventBus;
  readonly translator: LojalFunction;
  readonly rule: Rule;
  readonly failures: FailureQueue;

  constructor(scope: Construct, id: string, props: ShopifyPartnerSourceProps) {
    super(scope, id);
    // A partner event bus is named after its partner event source, which associates the two.
    this.partnerBus = new EventBus(this, 'PartnerBus', { eventSourceName: props.partnerEventSource });
    this.failures = new FailureQueue(this, 'Failures', {
      holds: 'It holds Shopify partner events the translator could not deliver or process after its retries.',
      ...(props.dataKey ? { encryptionKey: props.dataKey } : {}),
    });
    this.translator = new LojalFunction(this, 'Translator', {
      entry: `${LAMBDA_ENTRIES_DIR}shopify-partner.ts`,
      configJson: props.configJson,
      serviceName: 'shopify-partner',
      functionName: `lojal-${props.clientId}-shopify-partner`,
      description: `Translates Shopify webhooks from the partner bus into Lojal events of client ${props.clientId}`,
    });
    this.translator.bindTable(props.table, 'readWrite').bindRejectedEvents(props.rejectedEvents);
    this.translator.addEnvironment('EVENT_BUS_NAME', props.eventBus.bus.eventBusName);
    props.eventBus.grantWebshopPutEvents(this.translator);
    this.translator.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: new SqsDestination(this.failures.queue),
    });
    this.rule = new Rule(this, 'Rule', {
      eventBus: this.partnerBus,
      description: `Shopify webhooks of client ${props.clientId} to their translator`,
      eventPattern: shopifyPartnerPattern(props.partnerEventSource),
    });
    this.rule.addTarget(
      new LambdaFunction(this.translator, { deadLetterQueue: this.failures.queue, maxEventAge: Duration.hours(24), retryAttempts: 185 }),
    );
  }
}
