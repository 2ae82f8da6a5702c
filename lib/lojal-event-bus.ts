import { EventBus } from 'aws-cdk-lib/aws-events';
import { type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

export interface LojalEventBusProps {
  /** Names the bus `lojal-<clientId>`, the name the webshop sends to. */
  readonly clientId: string;
  /** The `Source` values the webshop may send (`ProgramConfig.allowedSources`); never `lojal`. */
  readonly allowedSources: readonly string[];
}

/**
 * The client's custom EventBridge bus (PRODUCT.md §1). Webshop events and Lojal's own events
 * share it; what keeps them apart is the `Source`, which webshop publishers may only set to
 * an allowed source (`grantWebshopPutEvents`) and which every rule matches exactly.
 */
export class LojalEventBus extends Construct {
  readonly bus: EventBus;
  readonly allowedSources: readonly string[];

  constructor(scope: Construct, id: string, props: LojalEventBusProps) {
    super(scope, id);
    this.allowedSources = [...props.allowedSources];
    this.bus = new EventBus(this, 'Bus', {
      eventBusName: `lojal-${props.clientId}`,
      description: `Webshop and Lojal events of client ${props.clientId}`,
    });
  }

  /**
   * Lets `grantee` put events on this bus, and only with a `Source` from `allowedSources`, so it
   * can never forge an event from `lojal`.
   */
  grantWebshopPutEvents(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['events:PutEvents'],
        resources: [this.bus.eventBusArn],
        conditions: { StringEquals: { 'events:source': [...this.allowedSources] } },
      }),
    );
  }
}
