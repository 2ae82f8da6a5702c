import { type IPrincipal, Role } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { LojalEventBus } from './lojal-event-bus';

export interface WebshopPublisherProps {
  readonly eventBus: LojalEventBus;
  /** Who may assume the role: the webshop's AWS account or role. */
  readonly assumedBy: IPrincipal;
  /**
   * An external id the webshop must present when assuming the role, which guards against the
   * confused-deputy problem when the webshop is run by a third party.
   * @default none
   */
  readonly externalId?: string;
}

/**
 * The IAM role a webshop assumes to send its events: `events:PutEvents` on the client's bus,
 * with an allowed `Source`, and nothing else.
 */
export class WebshopPublisher extends Construct {
  readonly role: Role;

  constructor(scope: Construct, id: string, props: WebshopPublisherProps) {
    super(scope, id);
    this.role = new Role(this, 'Role', {
      assumedBy: props.assumedBy,
      externalIds: props.externalId === undefined ? undefined : [props.externalId],
      description: 'Lets the webshop put its events on the Lojal bus',
    });
    props.eventBus.grantWebshopPutEvents(this.role);
  }
}
