import { EventBus } from 'aws-cdk-lib/aws-events';
import { AnyPrincipal, Effect, type IGrantable, type IRole, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { LOJAL_SOURCE } from '../functions/contract/events';
import { Construct } from 'constructs';

export interface LojalEventBusProps {
  /** Names the bus `lojal-<clientId>`, the name the webshop sends to. */
  readonly clientId: string;
  /** The `Source` values the webshop may send (`ProgramConfig.allowedSources`); never `lojal`. */
  readonly allowedSources: readonly string[];
}

/**
 * The client's custom EventBridge bus (docs/events.md). Webshop events and Lojal's own events
 * share it; what keeps them apart is the `Source`, which webshop publishers may only set to
 * an allowed source (`grantWebshopPutEvents`) and which every rule matches exactly.
 */
export class LojalEventBus extends Construct {
  readonly bus: EventBus;
  readonly allowedSources: readonly string[];
  private readonly lojalEmitters: IRole[] = [];

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

  /** Lets a Lojal job put its own events on this bus, and only with `Source: lojal`. */
  grantLojalPutEvents(grantee: IGrantable & { readonly role?: IRole }): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['events:PutEvents'],
        resources: [this.bus.eventBusArn],
        conditions: { StringEquals: { 'events:source': [LOJAL_SOURCE] } },
      }),
    );
    if (grantee.role) this.lojalEmitters.push(grantee.role);
  }

  /**
   * Denies `Source: lojal` to everyone but Lojal's own jobs, in the bus's resource policy. An
   * explicit deny there also binds principals of the same account whose own policies would
   * allow PutEvents on any bus, so nobody but Lojal can forge its events.
   */
  reserveLojalSource(): void {
    const emitters = this.lojalEmitters.map((role) => role.roleArn);
    this.bus.addToResourcePolicy(
      new PolicyStatement({
        sid: 'OnlyLojalMaySendLojalEvents',
        effect: Effect.DENY,
        principals: [new AnyPrincipal()],
        actions: ['events:PutEvents'],
        resources: [this.bus.eventBusArn],
        conditions: {
          StringEquals: { 'events:source': LOJAL_SOURCE },
          ...(emitters.length > 0 ? { ArnNotEquals: { 'aws:PrincipalArn': emitters } } : {}),
        },
      }),
    );
  }
}
