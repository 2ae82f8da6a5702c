import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { EMAIL_ENTRY_NAMES } from '../../functions/contract/email';
import { ROUTES } from '../../functions/contract/routes';
import { EMAIL_HANDLER_NAMES } from '../../functions/handlers/email-handlers';
import { EventRouting } from '../../lib/event-routing';
import { FailureQueue } from '../../lib/failure-queue';
import { type LoadedClient, loadClient } from '../../lib/load-client';
import { LojalEmail } from '../../lib/lojal-email';
import { LojalEventBus } from '../../lib/lojal-event-bus';
import { LojalTable } from '../../lib/lojal-table';

type Resource = { Type: string; Properties: Record<string, any> };
type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: Record<string, any> };
const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

// One synthesis for the file.
let client: LoadedClient;
let stack: Stack;
let email: LojalEmail;
let template: Template;

beforeAll(async () => {
  client = await loadClient('demo');
  const app = new App();
  stack = new Stack(app, 'EmailOnly', { env: { account: '123456789012', region: 'eu-north-1' } });
  const table = new LojalTable(stack, 'Data');
  const eventBus = new LojalEventBus(stack, 'Events', { clientId: 'demo', allowedSources: ['webshop'] });
  const rejected = new FailureQueue(stack, 'Rejected', { holds: 'It holds rejected events for the test.' });
  // Only the email routes: the construct binds their handlers, and fewer bundles keep the test quick.
  const routes = ROUTES.filter((r) => (EMAIL_HANDLER_NAMES as readonly string[]).includes(r.handler));
  const routing = new EventRouting(stack, 'Routing', {
    clientId: 'demo',
    configJson: client.configJson,
    eventBus,
    table,
    rejectedEvents: rejected.queue,
    routes,
  });
  email = new LojalEmail(stack, 'Email', {
    clientId: 'demo',
    config: client.config,
    configJson: client.configJson,
    table,
    routing,
    rejectedEvents: rejected.queue,
    linkBaseUrl: 'https://loyalty.demo.lojal.dev',
    sendRatePerSecond: 14,
    maxConcurrency: 2,
  });
  template = Template.fromStack(stack);
});

const resources = (type: string) => template.findResources(type) as Record<string, Resource>;
const idOf = (construct: IConstruct) => stack.getLogicalId(construct.node.defaultChild as never);
function functionNamed(name: string): [string, Resource] {
  const found = Object.entries(resources('AWS::Lambda::Function')).find(([, fn]) => fn.Properties.FunctionName === `lojal-demo-${name}`);
  if (!found) throw new Error(`no function ${name}`);
  return found;
}
const statementsOf = (name: string): Statement[] => {
  const roleId = functionNamed(name)[1].Properties.Role['Fn::GetAtt'][0] as string;
  return Object.values(resources('AWS::IAM::Policy'))
    .filter((p) => asList(p.Properties.Roles).some((r: any) => r.Ref === roleId))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
};

describe('Construct: LojalEmail', () => {
  it('deploys the sender, the feedback handler and the release job', () => {
    for (const name of EMAIL_ENTRY_NAMES)
      expect(functionNamed(name)[1].Properties).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'] });
  });

  it('queues mail in an encrypted, TLS-only queue whose failures end in an encrypted dead-letter queue', () => {
    const queue = resources('AWS::SQS::Queue')[idOf(email.queue)]!;
    expect(queue.Properties).toMatchObject({
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 180,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [idOf(email.deadLetters.queue), 'Arn'] }, maxReceiveCount: 8 },
    });
    expect(resources('AWS::SQS::Queue')[idOf(email.deadLetters.queue)]!.Properties.SqsManagedSseEnabled).toBe(true);
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: idOf(email.queue) }],
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
  });

  it('drains the queue with bounded concurrency, in batches, reporting failed items only', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [idOf(email.queue), 'Arn'] },
      FunctionName: { Ref: functionNamed('email-sender')[0] },
      BatchSize: 10,
      ScalingConfig: { MaximumConcurrency: 2 },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    expect(functionNamed('email-sender')[1].Properties.Environment.Variables).toMatchObject({
      MAX_SENDS_PER_SECOND: '7',
      SES_CONFIGURATION_SET: 'lojal-demo',
      LINK_BASE_URL: 'https://loyalty.demo.lojal.dev',
      LINK_SECRET_ARN: { Ref: idOf(email.linkSecret) },
      MAIL_QUEUE_URL: { Ref: idOf(email.queue) },
    });
  });

  it('lets the sender send only from the client’s address through its configuration set, and read only the link secret', () => {
    const statements = statementsOf('email-sender');
    const ses = statements.filter((s) => asList(s.Action).some((a) => a.startsWith('ses:')));
    expect(ses).toEqual([
      {
        Effect: 'Allow',
        Action: 'ses:SendEmail',
        Resource: [
          { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ses:eu-north-1:123456789012:identity/hello@demo.lojal.dev']] },
          { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ses:eu-north-1:123456789012:identity/demo.lojal.dev']] },
          { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ses:eu-north-1:123456789012:configuration-set/lojal-demo']] },
        ],
        Condition: { StringEquals: { 'ses:FromAddress': 'hello@demo.lojal.dev' } },
      },
    ]);
    const secrets = statements.filter((s) => asList(s.Action).some((a) => a.startsWith('secretsmanager:')));
    expect(secrets).toEqual([{ Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: { Ref: idOf(email.linkSecret) } }]);
    for (const statement of statements) expect(asList(statement.Action).filter((a) => a.endsWith('*'))).toEqual([]);
  });

  it('generates the link secret in Secrets Manager', () => {
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true },
    });
  });

  it('publishes bounces and complaints to the default bus, where a rule matching this configuration set hands them to the feedback handler', () => {
    template.hasResourceProperties('AWS::SES::ConfigurationSet', { Name: 'lojal-demo' });
    template.hasResourceProperties('AWS::SES::ConfigurationSetEventDestination', {
      ConfigurationSetName: { Ref: idOf(email.configurationSet) },
      EventDestination: {
        Enabled: true,
        MatchingEventTypes: ['bounce', 'complaint'],
        EventBridgeDestination: {
          EventBusArn: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':events:eu-north-1:123456789012:event-bus/default']] },
        },
      },
    });
    const rule = resources('AWS::Events::Rule')[idOf(email.feedbackRule)]!;
    expect(rule.Properties.EventBusName).toBeUndefined();
    expect(rule.Properties.EventPattern).toEqual({
      source: ['aws.ses'],
      'detail-type': ['Email Bounced', 'Email Complaint Received'],
      detail: { mail: { tags: { 'ses:configuration-set': ['lojal-demo'] } } },
    });
    expect(rule.Properties.Targets).toEqual([
      expect.objectContaining({ Arn: { 'Fn::GetAtt': [functionNamed('email-feedback')[0], 'Arn'] }, DeadLetterConfig: expect.any(Object) }),
    ]);
  });

  it('runs the release job every minute and lets it, and every email route handler, send to the queue', () => {
    expect(resources('AWS::Events::Rule')[idOf(email.releaseRule)]!.Properties.ScheduleExpression).toBe('rate(1 minute)');
    for (const name of ['email-release', ...EMAIL_HANDLER_NAMES]) {
      expect(functionNamed(name)[1].Properties.Environment.Variables.MAIL_QUEUE_URL).toEqual({ Ref: idOf(email.queue) });
      expect(statementsOf(name)).toContainEqual(
        expect.objectContaining({
          Action: expect.arrayContaining(['sqs:SendMessage']),
          Resource: { 'Fn::GetAtt': [idOf(email.queue), 'Arn'] },
        }),
      );
    }
  });

  it('refuses a link base that is not https, and a concurrency SQS does not allow', () => {
    const make = (props: Partial<ConstructorParameters<typeof LojalEmail>[2]>) => () => {
      const s = new Stack(new App(), 'Bad');
      const table = new LojalTable(s, 'Data');
      const eventBus = new LojalEventBus(s, 'Events', { clientId: 'demo', allowedSources: ['webshop'] });
      const rejected = new FailureQueue(s, 'Rejected', { holds: 'It holds rejected events for the test.' });
      const routing = new EventRouting(s, 'Routing', {
        clientId: 'demo',
        configJson: client.configJson,
        eventBus,
        table,
        rejectedEvents: rejected.queue,
        routes: [],
      });
      new LojalEmail(s, 'Email', {
        clientId: 'demo',
        config: client.config,
        configJson: client.configJson,
        table,
        routing,
        rejectedEvents: rejected.queue,
        linkBaseUrl: 'https://x',
        ...props,
      });
    };
    expect(make({ linkBaseUrl: 'http://loyalty.example.com' })).toThrow(/https/);
    expect(make({ maxConcurrency: 1 })).toThrow(/maxConcurrency/);
  });

  it('passes cdk-nag, each acknowledgement with a reason', () => {
    const report = new AwsSolutionsChecks().validateScope(stack);
    expect(report.violations.map((v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
    const reasons: string[] = [];
    const visit = (construct: IConstruct) => {
      for (const entry of construct.node.metadata) {
        if (entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
          reasons.push(...Object.values(entry.data as Record<string, string>));
      }
      construct.node.children.forEach(visit);
    };
    visit(email);
    for (const reason of reasons) expect(reason).toMatch(/^[A-Z].{20,}\.$/);
  });
});
