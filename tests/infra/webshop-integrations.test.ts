import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { LojalEventBus } from '../../lib/lojal-event-bus';
import { LojalTable } from '../../lib/lojal-table';
import { ShopifyPartnerSource } from '../../lib/shopify-partner-source';
import { InvalidWebshopWebhooksPropsError, WebshopWebhooks } from '../../lib/webshop-webhooks';
import { demoConfig } from '../support/deps';

const PARTNER = 'aws.partner/shopify.com/1234567/lojal';
let template: Template;

beforeAll(() => {
  const stack = new Stack(new App(), 'Integrations');
  const eventBus = new LojalEventBus(stack, 'Events', { clientId: 'demo', allowedSources: ['webshop'] });
  new ShopifyPartnerSource(stack, 'ShopifyPartner', {
    clientId: 'demo',
    configJson: JSON.stringify(demoConfig),
    partnerEventSource: PARTNER,
    eventBus,
    table: new LojalTable(stack, 'Data', {}),
    rejectedEvents: new Queue(stack, 'Rejected'),
  });
  template = Template.fromStack(stack);
});

describe('Construct: ShopifyPartnerSource', () => {
  it('associates a partner bus with the partner event source and routes every Shopify webhook on it to the translator', () => {
    template.hasResourceProperties('AWS::Events::EventBus', { Name: PARTNER, EventSourceName: PARTNER });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: [PARTNER], 'detail-type': ['shopifyWebhook'] },
      Targets: [
        Match.objectLike({
          DeadLetterConfig: Match.anyValue(),
          RetryPolicy: { MaximumEventAgeInSeconds: 86400, MaximumRetryAttempts: 185 },
        }),
      ],
    });
  });

  it('lets the translator put events with the webshop source only, never lojal', () => {
    const policies = template.findResources('AWS::IAM::Policy');
    const statements = Object.values(policies).flatMap(
      (p) =>
        (p as { Properties: { PolicyDocument: { Statement: { Action: unknown; Condition?: unknown }[] } } }).Properties.PolicyDocument
          .Statement,
    );
    const puts = statements.filter((s) => s.Action === 'events:PutEvents');
    expect(puts).toEqual([expect.objectContaining({ Condition: { StringEquals: { 'events:source': ['webshop'] } } })]);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          EVENT_BUS_NAME: Match.anyValue(),
          TABLE_NAME: Match.anyValue(),
          DEAD_LETTER_QUEUE_URL: Match.anyValue(),
        }),
      },
    });
  });
});

describe('Construct: WebshopWebhooks', () => {
  let webhooks: Template;
  let nagFindings: string[];
  beforeAll(() => {
    const stack = new Stack(new App(), 'Webhooks');
    const eventBus = new LojalEventBus(stack, 'Events', { clientId: 'demo', allowedSources: ['webshop'] });
    new WebshopWebhooks(stack, 'WebshopWebhooks', {
      clientId: 'demo',
      configJson: JSON.stringify(demoConfig),
      httpApi: new HttpApi(stack, 'Api'),
      platforms: ['shopify', 'woocommerce'],
      eventBus,
      table: new LojalTable(stack, 'Data', {}),
      rejectedEvents: new Queue(stack, 'Rejected'),
    });
    webhooks = Template.fromStack(stack);
    nagFindings = new AwsSolutionsChecks()
      .validateScope(stack)
      .violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`))
      .filter((finding) => finding.includes('/WebshopWebhooks/'));
  });

  it('leaves no unacknowledged cdk-nag finding in the construct', () => {
    expect(nagFindings).toEqual([]);
  });

  it('adds POST /webhooks/shopify and POST /webhooks/woocommerce without an AWS authorizer (the handler checks the HMAC)', () => {
    for (const route of ['POST /webhooks/shopify', 'POST /webhooks/woocommerce']) {
      webhooks.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: route, AuthorizationType: 'NONE' });
    }
    webhooks.resourceCountIs('AWS::ApiGatewayV2::Route', 2);
  });

  it('keeps the signing secrets in Secrets Manager, generates the WooCommerce one, and lets only the receiver read them', () => {
    webhooks.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: Match.objectLike({ SecretStringTemplate: '{"shopify":""}', GenerateStringKey: 'woocommerce' }),
    });
    webhooks.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          WEBHOOK_SECRET_ARN: Match.anyValue(),
          EVENT_BUS_NAME: Match.anyValue(),
          TABLE_NAME: Match.anyValue(),
          DEAD_LETTER_QUEUE_URL: Match.anyValue(),
        }),
      },
    });
    const statements = Object.values(webhooks.findResources('AWS::IAM::Policy')).flatMap(
      (p) =>
        (p as { Properties: { PolicyDocument: { Statement: { Action: unknown; Condition?: unknown }[] } } }).Properties.PolicyDocument
          .Statement,
    );
    expect(statements.filter((s) => s.Action === 'events:PutEvents')).toEqual([
      expect.objectContaining({ Condition: { StringEquals: { 'events:source': ['webshop'] } } }),
    ]);
    expect(statements.some((s) => JSON.stringify(s.Action).includes('secretsmanager:GetSecretValue'))).toBe(true);
  });

  it('refuses to be built for no platform', () => {
    const stack = new Stack(new App(), 'Empty');
    expect(
      () =>
        new WebshopWebhooks(stack, 'W', {
          clientId: 'demo',
          configJson: '{}',
          httpApi: new HttpApi(stack, 'Api'),
          platforms: [],
          eventBus: new LojalEventBus(stack, 'Events', { clientId: 'demo', allowedSources: ['webshop'] }),
          table: new LojalTable(stack, 'Data', {}),
          rejectedEvents: new Queue(stack, 'Rejected'),
        }),
    ).toThrow(InvalidWebshopWebhooksPropsError);
  });
});
