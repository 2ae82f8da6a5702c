import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { JOB_NAMES } from '../../functions/contract/jobs';
import { ROUTES } from '../../functions/contract/routes';
import { EMAIL_HANDLER_NAMES } from '../../functions/handlers/email-handlers';
import {
  EMAIL_ROUTE_ACCESS,
  JOB_ACCESS,
  MAIL_ACCESS,
  MEMBER_API_ACCESS,
  ROUTE_HANDLER_ACCESS,
  type TableAccess,
} from '../../lib/table-access';
import { JOB_TABLE } from '../../lib/job-table';
import { type LoadedClient, loadClient } from '../../lib/load-client';
import { LojalStack } from '../../lib/lojal-stack';

type Resource = { Type: string; Properties: Record<string, any>; DependsOn?: unknown };
type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: Record<string, any>; Principal?: unknown };

const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

// Synthesis bundles every function with esbuild, so it happens once for the whole file.
let stack: LojalStack;
let template: Template;
let client: LoadedClient;

beforeAll(async () => {
  client = await loadClient('demo');
  stack = new LojalStack(new App(), 'Lojal-demo', { client });
  template = Template.fromStack(stack);
});

function resources(type: string): Record<string, Resource> {
  return template.findResources(type) as Record<string, Resource>;
}

function functionOf(name: string): Resource {
  const found = Object.values(resources('AWS::Lambda::Function')).find(
    (f) => f.Properties.FunctionName === `lojal-${client.config.clientId}-${name}`,
  );
  if (found === undefined) throw new Error(`no function ${name}`);
  return found;
}

function statementsOfFunction(name: string): Statement[] {
  const roleId = functionOf(name).Properties.Role['Fn::GetAtt'][0] as string;
  return Object.values(resources('AWS::IAM::Policy'))
    .filter((p) => asList(p.Properties.Roles).some((r: any) => r.Ref === roleId))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
}

describe('jobs (issue 11: one table, one loop)', () => {
  it('has one row per job name, each deployed once under its row id', () => {
    expect(JOB_TABLE.map((r) => r.name).sort()).toEqual([...JOB_NAMES].sort());
    expect(new Set(JOB_TABLE.map((r) => r.id)).size).toBe(JOB_TABLE.length);
    expect([...stack.jobs.keys()].sort()).toEqual([...JOB_NAMES].sort());
    for (const row of JOB_TABLE) {
      const fn = functionOf(row.name);
      expect(fn.Properties.Timeout).toBe(row.timeout.toSeconds());
      expect(fn.Properties.Description).toBe(row.describe(client.config.clientId));
      expect(stack.jobs.get(row.name)?.node.id).toBe(row.id);
    }
  });
});

function dynamoStatements(name: string): Statement[] {
  return statementsOfFunction(name).filter((s) => asList(s.Action).some((a) => a.startsWith('dynamodb:')));
}

/** The statements `access` must produce, and nothing else. */
function expectedDynamo(access: TableAccess | undefined): unknown[] {
  if (access === undefined) return [];
  const table = { 'Fn::GetAtt': [expect.stringMatching(/^DataTable/), 'Arn'] };
  const actions = [
    'dynamodb:GetItem',
    'dynamodb:Query',
    'dynamodb:ConditionCheckItem',
    ...(access.batchGet ? ['dynamodb:BatchGetItem'] : []),
    ...(access.items === 'readWrite' ? ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'] : []),
  ];
  return [
    {
      Effect: 'Allow',
      Action: expect.toSatisfy((a: string[]) => [...a].sort().join() === [...actions].sort().join()),
      Resource: table,
      Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': access.keySpaces.map((k) => `${k}*`) } },
    },
    ...((access.indexes ?? []).length > 0
      ? [
          {
            Effect: 'Allow',
            Action: 'dynamodb:Query',
            Resource: expect.toSatisfy(
              (r: unknown) => asList(r).length === access.indexes!.length && JSON.stringify(r).includes('/index/'),
            ),
          },
        ]
      : []),
  ];
}

describe('table access: each function gets what its code calls', () => {
  const handlers = [...new Set(ROUTES.map((r) => r.handler))];

  it.each(handlers)('%s', (handler) => {
    const isEmail = (EMAIL_HANDLER_NAMES as readonly string[]).includes(handler);
    const access = isEmail ? EMAIL_ROUTE_ACCESS[handler] : ROUTE_HANDLER_ACCESS;
    expect(dynamoStatements(handler)).toEqual(expectedDynamo(access));
  });

  it('gives nine of the ten email route handlers no table access at all (they only put on SQS)', () => {
    const withoutTable = EMAIL_HANDLER_NAMES.filter((h) => dynamoStatements(h).length === 0);
    expect(withoutTable).toHaveLength(EMAIL_HANDLER_NAMES.length - 1);
    expect(EMAIL_HANDLER_NAMES.filter((h) => !withoutTable.includes(h))).toEqual(['welcome-email']);
  });

  it.each(JOB_NAMES)('job %s', (job) => {
    expect(dynamoStatements(job)).toEqual(expectedDynamo(JOB_ACCESS[job]));
  });

  it.each(Object.keys(MAIL_ACCESS) as (keyof typeof MAIL_ACCESS)[])('mail function %s', (name) => {
    expect(dynamoStatements(name)).toEqual(expectedDynamo(MAIL_ACCESS[name]));
  });

  it('member API', () => {
    expect(dynamoStatements('member-api')).toEqual(expectedDynamo(MEMBER_API_ACCESS));
  });

  it('grants BatchWriteItem nowhere, BatchGetItem to the sender alone, and every item statement under LeadingKeys', () => {
    const all = Object.values(resources('AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
    const dynamo = all.filter((s) => asList(s.Action).some((a) => a.startsWith('dynamodb:')));
    expect(dynamo.filter((s) => asList(s.Action).includes('dynamodb:BatchWriteItem'))).toEqual([]);
    expect(dynamo.filter((s) => asList(s.Action).includes('dynamodb:BatchGetItem'))).toHaveLength(1);
    expect(dynamoStatements('email-sender').some((s) => asList(s.Action).includes('dynamodb:BatchGetItem'))).toBe(true);
    for (const s of dynamo.filter((s) => !JSON.stringify(s.Resource).includes('/index/'))) {
      expect(s.Condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys']).toEqual(
        expect.arrayContaining([expect.stringMatching(/^[A-Z]+#\*$/)]),
      );
    }
  });
});

describe('failure queues: personal data encrypted, kept a week, read by the operator role only', () => {
  const failureQueues = () => [stack.rejectedEvents, stack.routing.deliveryFailures, stack.routing.processingFailures];
  const idOf = (q: { queue: { node: { defaultChild?: unknown } } }) => stack.getLogicalId(q.queue.node.defaultChild as never);

  it('encrypts them with a rotating KMS key EventBridge may use for this account only, and keeps messages 7 days', () => {
    const queues = resources('AWS::SQS::Queue');
    for (const q of failureQueues()) {
      const props = queues[idOf(q)]!.Properties;
      expect(props.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^FailureQueuesKey/), 'Arn'] });
      expect(props.MessageRetentionPeriod).toBe(7 * 24 * 3600);
    }
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'events.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          }),
        ]),
      },
    });
  });

  it('denies receiving, deleting and purging to everyone but the operator role', () => {
    const operatorId = stack.getLogicalId(stack.failureOperator.role.node.defaultChild as never);
    for (const q of failureQueues()) {
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: idOf(q) }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Principal: { AWS: '*' },
              Action: Match.arrayWith(['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:PurgeQueue']),
              Condition: { ArnNotEquals: { 'aws:PrincipalArn': { 'Fn::GetAtt': [operatorId, 'Arn'] } } },
            }),
          ]),
        },
      });
    }
  });
});

describe('erasure and retention (docs/security.md)', () => {
  it('the table expires items by `expiresAt`, the attribute the sent-mail log lines carry', () => {
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
    expect(client.config.mailLogRetentionDays).toBe(400);
  });
});
