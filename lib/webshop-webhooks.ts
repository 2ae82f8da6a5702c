import { Duration, Validations } from 'aws-cdk-lib';
import { type HttpApi, HttpMethod, HttpNoneAuthorizer, type HttpRoute } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Platform } from '../functions/adapters/dynamo/integration-store';
import { WEBHOOK_ROUTES } from '../functions/integrations/webhook-http';
import { LAMBDA_ENTRIES_DIR } from './event-routing';
import type { LojalEventBus } from './lojal-event-bus';
import { LojalFunction } from './lojal-function';
import type { LojalTable } from './lojal-table';

export interface WebshopWebhooksProps {
  readonly clientId: string;
  readonly configJson: string;
  /** The HTTP API the routes are added to (the member API's, so the shop has one base URL). */
  readonly httpApi: HttpApi;
  /** Which receivers to add: `POST /webhooks/<platform>` for each. */
  readonly platforms: readonly Platform[];
  /** Lojal's client bus, where the translated events go (with the webshop's source, never `lojal`). */
  readonly eventBus: LojalEventBus;
  readonly table: LojalTable;
  /** Where payloads that cannot be mapped go, naming the field. */
  readonly rejectedEvents: IQueue;
}

/** Props that cannot work, e.g. no platform at all. */
export class InvalidWebshopWebhooksPropsError extends Error {
  override readonly name = 'InvalidWebshopWebhooksPropsError';
}

/**
 * The HTTPS webhook receivers of Shopify and WooCommerce (docs/integrations.md): one function
 * behind `POST /webhooks/shopify` and `POST /webhooks/woocommerce` on the member API's HTTP API,
 * and the secret it verifies signatures with, `{ "shopify": "…", "woocommerce": "…" }`.
 * WooCommerce's value is generated (paste it into the webhook's Secret field); Shopify's is the
 * app's client secret, which Shopify issues, so the operator puts it in after deploying.
 */
export class WebshopWebhooks extends Construct {
  readonly function: LojalFunction;
  readonly secret: Secret;
  readonly routes: readonly HttpRoute[];

  constructor(scope: Construct, id: string, props: WebshopWebhooksProps) {
    super(scope, id);
    if (props.platforms.length === 0) throw new InvalidWebshopWebhooksPropsError(`WebshopWebhooks ${id}: name at least one platform`);
    this.secret = new Secret(this, 'Secret', {
      description: `Webhook signing secrets of Lojal client ${props.clientId}: {"shopify": app client secret, "woocommerce": webhook secret}`,
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ shopify: '' }),
        generateStringKey: 'woocommerce',
        passwordLength: 48,
        excludePunctuation: true,
      },
    });
    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The secrets are shared with Shopify and WooCommerce, which cannot take part in a Lambda rotation: a rotation adds the new secret beside the old in a list, moves the shop over, then removes the old.',
    });
    this.function = new LojalFunction(this, 'Function', {
      entry: `${LAMBDA_ENTRIES_DIR}webshop-webhooks.ts`,
      configJson: props.configJson,
      serviceName: 'webshop-webhooks',
      functionName: `lojal-${props.clientId}-webshop-webhooks`,
      description: `Verifies and translates Shopify and WooCommerce webhooks of client ${props.clientId}`,
      // Well inside API Gateway's 30 seconds, and Shopify's 5-second answer limit is met by the usual run.
      timeout: Duration.seconds(10),
      environment: { WEBHOOK_SECRET_ARN: this.secret.secretArn },
    });
    this.secret.grantRead(this.function);
    this.function.bindTable(props.table, 'readWrite').bindRejectedEvents(props.rejectedEvents);
    this.function.addEnvironment('EVENT_BUS_NAME', props.eventBus.bus.eventBusName);
    props.eventBus.grantWebshopPutEvents(this.function);

    const integration = new HttpLambdaIntegration('Webhooks', this.function);
    this.routes = WEBHOOK_ROUTES.filter((route) => props.platforms.includes(route.platform)).flatMap((route) =>
      props.httpApi.addRoutes({ path: route.path, methods: [HttpMethod.POST], integration, authorizer: new HttpNoneAuthorizer() }),
    );
    for (const route of this.routes) {
      Validations.of(route).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          'Shopify and WooCommerce cannot sign AWS requests; the handler verifies the HMAC-SHA256 signature of the raw body with the shared secret and answers 401 without reading further.',
      });
    }
  }
}
