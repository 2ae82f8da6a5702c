import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { LojalEventBus } from '../../lib/lojal-event-bus';
import { LojalTable } from '../../lib/lojal-table';
import { ShopifyPartnerSource } from '../../lib/shopify-partner-source';
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
