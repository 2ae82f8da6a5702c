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
  // Two full syntheses (each bundles every function): minutes on a busy machine.
}, 600_000);

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

  it("counts the email-link routes' requests, 4xx and 429 answers from the API's access log, and nothing else's", () => {
    // Prepare
    const accessLogs = withEmail.stack.getLogicalId(withEmail.stack.memberApi.accessLogs.node.defaultChild as never);
    const filters = resources(withEmail.template, 'AWS::Logs::MetricFilter');
    const linkKeys = withEmail.stack.memberApi.linkRouteKeys;

    // Assess
    expect([...linkKeys].sort()).toEqual([
      'GET /v1/members/{customerId}/checkin',
      'GET /v1/members/{customerId}/unsubscribe',
      'POST /v1/members/{customerId}/checkin',
      'POST /v1/members/{customerId}/unsubscribe',
    ]);
    const byMetric: Record<string, Record<string, any>> = Object.fromEntries(
      filters.map((f) => [f.Properties.MetricTransformations[0].MetricName, f.Properties]),
    );
    expect(Object.keys(byMetric).sort()).toEqual(['LinkClientErrors', 'LinkRequests', 'LinkThrottled']);
    for (const filter of Object.values(byMetric)) {
      expect(filter.LogGroupName).toEqual({ Ref: accessLogs });
      expect(filter.MetricTransformations[0]).toMatchObject({ MetricNamespace: 'Lojal/demo', MetricValue: '1', DefaultValue: 0 });
      for (const key of linkKeys) expect(filter.FilterPattern).toContain(`$.routeKey = "${key}"`);
      expect(filter.FilterPattern).not.toContain('/ledger');
    }
    expect(byMetric.LinkRequests!.FilterPattern).not.toContain('$.status');
    expect(byMetric.LinkClientErrors!.FilterPattern).toContain('$.status = "4*"');
    expect(byMetric.LinkThrottled!.FilterPattern).toContain('$.status = "429"');
  });

  it('alarms when over 25 % of at least 20 link requests get a 4xx, or over 1 % get a 429', () => {
    const math = alarms().filter((a) => Array.isArray(a.Properties.Metrics));
    const expressionOf = (a: Resource) => (a.Properties.Metrics as { Expression?: string }[]).find((m) => m.Expression)?.Expression;
    const errorRate = math.find((a) => expressionOf(a)?.includes('errors'));
    const throttleRate = math.find((a) => expressionOf(a)?.includes('throttled'));
    expect(expressionOf(errorRate!)).toBe('IF(requests >= 20, 100 * errors / requests, 0)');
    expect(errorRate?.Properties).toMatchObject({ Threshold: 25, ComparisonOperator: 'GreaterThanThreshold' });
    expect(expressionOf(throttleRate!)).toBe('IF(requests > 0, 100 * throttled / requests, 0)');
    expect(throttleRate?.Properties).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanThreshold' });
    for (const a of [errorRate!, throttleRate!]) {
      const names = (a.Properties.Metrics as { MetricStat?: { Metric: { MetricName: string; Namespace: string } } }[]).flatMap((m) =>
        m.MetricStat ? [m.MetricStat.Metric] : [],
      );
      expect(names.every((m) => m.Namespace === 'Lojal/demo')).toBe(true);
      expect(a.Properties.AlarmActions).toHaveLength(1);
    }
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
