import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { type LoadedClient, loadClient } from '../../lib/load-client';
import { InvalidDataKeyError, LojalStack } from '../../lib/lojal-stack';

type Resource = { Properties: Record<string, any> };

const KEY_ARN = 'arn:aws:kms:eu-north-1:123456789012:key/0b9c7f3e-1111-4222-8333-944445555666';

let client: LoadedClient;
let keyed: { stack: LojalStack; template: Template };
let plain: Template;

beforeAll(async () => {
  client = await loadClient('demo');
  const stack = new LojalStack(new App(), 'Lojal-demo', { client, dataKeyArn: KEY_ARN });
  keyed = { stack, template: Template.fromStack(stack) };
  plain = Template.fromStack(new LojalStack(new App(), 'Lojal-demo', { client }));
}, 600_000);

const all = (template: Template, type: string) => Object.values(template.findResources(type) as Record<string, Resource>);

describe('the client data key (-c dataKeyArn)', () => {
  it('encrypts the table with it', () => {
    keyed.template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
      Replicas: [Match.objectLike({ Region: 'eu-north-1', SSESpecification: { KMSMasterKeyId: KEY_ARN } })],
    });
    // The key's region and account become the stack's: a table replica's key needs a known region.
    expect(keyed.stack.region).toBe('eu-north-1');
    expect(keyed.stack.account).toBe('123456789012');
  });

  it('encrypts every queue with it: the three failure queues, the mail queue and its dead letters', () => {
    const queues = all(keyed.template, 'AWS::SQS::Queue');
    expect(queues).toHaveLength(5);
    for (const queue of queues) {
      expect(queue.Properties.KmsMasterKeyId).toBe(KEY_ARN);
      expect(queue.Properties.SqsManagedSseEnabled).toBeUndefined();
    }
    // The stack makes no failure-queue key of its own; only the alarm topic keeps one.
    expect(all(keyed.template, 'AWS::KMS::Key')).toHaveLength(1);
  });

  it('encrypts every log group with it: each function’s and the API access log', () => {
    const logGroups = all(keyed.template, 'AWS::Logs::LogGroup');
    expect(logGroups.length).toBeGreaterThan(20);
    for (const group of logGroups) expect(group.Properties.KmsKeyId).toBe(KEY_ARN);
  });

  it('lets the functions that use the table or a queue use the key, and no others', () => {
    const keyStatements = all(keyed.template, 'AWS::IAM::Policy')
      .flatMap((p) => p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[])
      .filter((s) => [s.Action].flat().some((a) => a.startsWith('kms:')));
    expect(keyStatements.length).toBeGreaterThan(0);
    for (const s of keyStatements) expect(s.Resource).toBe(KEY_ARN);
  });

  it('finds no unacknowledged cdk-nag findings', () => {
    const report = new AwsSolutionsChecks().validateScope(keyed.stack);
    expect(report.violations.map((v) => v.ruleName)).toEqual([]);
  });

  it('refuses a malformed key ARN (an alias too), naming the context key', () => {
    expect(() => new LojalStack(new App(), 'Bad', { client, dataKeyArn: 'alias/lojal' })).toThrow(InvalidDataKeyError);
    expect(() => new LojalStack(new App(), 'Bad', { client, dataKeyArn: 'alias/lojal' })).toThrow(/dataKeyArn must be a KMS key ARN/);
  });
});

describe('without a data key: AWS-managed encryption', () => {
  it('encrypts the table with the AWS-managed key', () => {
    // SSE type KMS with no key named for the replica: the AWS-managed aws/dynamodb key.
    plain.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
      Replicas: [Match.objectLike({ SSESpecification: Match.absent() })],
    });
  });

  it('keeps the mail queues under SQS-managed keys, the failure queues under the stack’s own key, and logs without a key', () => {
    const queues = all(plain, 'AWS::SQS::Queue');
    const managed = queues.filter((q) => q.Properties.SqsManagedSseEnabled === true);
    const kms = queues.filter((q) => q.Properties.KmsMasterKeyId !== undefined);
    expect(managed).toHaveLength(2);
    expect(kms).toHaveLength(3);
    for (const q of kms) expect(q.Properties.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^FailureQueuesKey/), 'Arn'] });
    for (const group of all(plain, 'AWS::Logs::LogGroup')) expect(group.Properties.KmsKeyId).toBeUndefined();
  });
});
