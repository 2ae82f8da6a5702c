import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { type LoadedClient, loadClient } from '../../lib/load-client';
import { LojalStack } from '../../lib/lojal-stack';

type Resource = { Type: string; Properties: Record<string, any> };

// Synthesis bundles every function, so it happens once per client file variant.
let withEmail: { stack: LojalStack; template: Template };
let withoutEmail: Template;

beforeAll(async () => {
  const client = await loadClient('demo');
  const subscribed: LoadedClient = { ...client, config: { ...client.config, alarmEmail: 'ops@example.com' } };
  const stack = new LojalStack(new App(), 'Lojal-demo', { client: subscribed });
  withEmail = { stack, template: Template.fromStack(stack) };
  withoutEmail = Template.fromStack(new LojalStack(new App(), 'Lojal-demo', { client }));
}, 240_000);

const resources = (template: Template, type: string) => Object.values(template.findResources(type) as Record<string, Resource>);
const alarms = () => resources(withEmail.template, 'AWS::CloudWatch::Alarm');
const alarmsOn = (metricName: string) => alarms().filter((a) => a.Properties.MetricName === metricName);

describe('Construct: LojalMonitoring (in the client stack)', () => {
  it('puts one dashboard per client stack, named for the client, with the alarms and every metric they watch', () => {
    const [dashboard] = resources(withEmail.template, 'AWS::CloudWatch::Dashboard');
    expect(resources(withEmail.template, 'AWS::CloudWatch::Dashboard')).toHaveLength(1);
    expect(dashboard?.Properties.DashboardName).toBe('lojal-demo');
    const body = JSON.stringify(dashboard?.Properties.DashboardBody);
    for (const metric of [
      'ApproximateNumberOfMessagesVisible',
      'Errors',
      'Throttles',
      'AsyncEventAge',
      'ApproximateAgeOfOldestMessage',
      'Reputation.BounceRate',
      'Reputation.ComplaintRate',
    ])
      expect(body).toContain(metric);
    expect(body).toMatch(/\\"type\\":\\"alarm\\"/);
  });

  it('alarms when any of the four failure queues holds a dead letter', () => {
    const deadLetters = alarmsOn('ApproximateNumberOfMessagesVisible');
    expect(deadLetters).toHaveLength(4);
    for (const a of deadLetters)
      expect(a.Properties).toMatchObject({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold', Namespace: 'AWS/SQS' });
  });

  it('alarms on errors and throttles of every Lambda function of the stack, and on the age of events reaching each event handler', () => {
    const functions = resources(withEmail.template, 'AWS::Lambda::Function').filter((f) =>
      String(f.Properties.FunctionName).startsWith('lojal-demo-'),
    );
    expect(functions.length).toBeGreaterThan(20);
    expect(alarmsOn('Errors')).toHaveLength(functions.length);
    expect(alarmsOn('Throttles')).toHaveLength(functions.length);
    for (const a of [...alarmsOn('Errors'), ...alarmsOn('Throttles')])
      expect(a.Properties).toMatchObject({ Threshold: 0, Namespace: 'AWS/Lambda', Statistic: 'Sum' });
    const ages = alarmsOn('AsyncEventAge');
    expect(ages.length).toBe(withEmail.stack.routing.functions.size + 1);
    for (const a of ages) expect(a.Properties).toMatchObject({ Threshold: 15 * 60_000, Statistic: 'Maximum' });
  });

  it('alarms on a mail backlog and on SES bounce rate above 2 % and complaint rate above 0.1 % of the configuration set', () => {
    const [backlog] = alarmsOn('ApproximateAgeOfOldestMessage');
    expect(backlog?.Properties).toMatchObject({ Threshold: 1800, EvaluationPeriods: 3 });
    const setName = withEmail.stack.resolve(withEmail.stack.email.configurationSet.configurationSetName);
    const [bounce] = alarmsOn('Reputation.BounceRate');
    const [complaint] = alarmsOn('Reputation.ComplaintRate');
    expect(bounce?.Properties).toMatchObject({
      Threshold: 0.02,
      Namespace: 'AWS/SES',
      Dimensions: [{ Name: 'ses:configuration-set', Value: setName }],
    });
    expect(complaint?.Properties).toMatchObject({ Threshold: 0.001, Namespace: 'AWS/SES' });
  });

  it('sends every alarm, and its recovery, to one KMS-encrypted topic that CloudWatch may encrypt for', () => {
    const topics = withEmail.template.findResources('AWS::SNS::Topic');
    expect(Object.keys(topics)).toHaveLength(1);
    const [topicId, topic] = Object.entries(topics)[0]!;
    expect(topic.Properties.KmsMasterKeyId).toBeDefined();
    for (const a of alarms()) {
      expect(a.Properties.AlarmActions).toEqual([{ Ref: topicId }]);
      expect(a.Properties.OKActions).toEqual([{ Ref: topicId }]);
      expect(a.Properties.TreatMissingData).toBe('notBreaching');
    }
    withEmail.template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'] }),
        ]),
      },
    });
    withEmail.template.hasOutput('AlarmTopicArn', {});
  });

  it('subscribes the client file alarmEmail to the topic, and nobody without one', () => {
    withEmail.template.resourceCountIs('AWS::SNS::Subscription', 1);
    withEmail.template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
    withoutEmail.resourceCountIs('AWS::SNS::Subscription', 0);
    expect(Object.keys(withoutEmail.findResources('AWS::CloudWatch::Alarm')).length).toBe(alarms().length);
  });

  it('leaves cdk-nag clean', () => {
    const report = new AwsSolutionsChecks().validateScope(withEmail.stack);
    const findings = report.violations.map((v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);
    expect(findings).toEqual([]);
  });
});
