import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, type CfnElement, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { LOJAL_TABLE } from '../../functions/adapters/dynamo/table-definition';
import { LOJAL_SOURCE } from '../../functions/contract/events';
import { EMAIL_ENTRY_NAMES } from '../../functions/contract/email';
import { JOB_NAMES } from '../../functions/contract/jobs';
import { memberApiFunctionNames } from '../../functions/contract/member-api';
import { type Route, routePattern } from '../../functions/contract/routes';
import { routesFor } from '../../functions/handlers/flow-routes';
import { type LoadedClient, loadClient } from '../../lib/load-client';
import { LojalStack } from '../../lib/lojal-stack';
import { demoConfig } from '../support/deps';

/** The demo's routes: Lojal's own and its flows' (functions/handlers/flow-routes.ts). */
const ROUTES = routesFor(demoConfig);

type Resource = { Type: string; Properties: Record<string, any> };
type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: Record<string, any> };

const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

// Synthesis bundles six functions with esbuild, so it happens once for the whole file.
let app: App;
let stack: LojalStack;
let template: Template;
let client: LoadedClient;

beforeAll(async () => {
  client = await loadClient('demo');
  app = new App();
  stack = new LojalStack(app, 'Lojal-demo', { client });
  template = Template.fromStack(stack);
});

function resources(type: string): Record<string, Resource> {
  return template.findResources(type) as Record<string, Resource>;
}

/** The rules on the client's bus (the others are job schedules on the default bus). */
function busRules(): Record<string, Resource> {
  return Object.fromEntries(Object.entries(resources('AWS::Events::Rule')).filter(([, r]) => r.Properties.EventBusName !== undefined));
}

function routeOf(rule: Resource): Route | undefined {
  return ROUTES.find((r) => JSON.stringify(routePattern(r, client.config.allowedSources)) === JSON.stringify(rule.Properties.EventPattern));
}

function logicalIdOf(construct: IConstruct): string {
  return stack.getLogicalId(construct.node.defaultChild as CfnElement);
}

function logicalIdOfFunction(handler: string): string {
  const [id] = Object.keys(
    template.findResources('AWS::Lambda::Function', {
      Properties: { FunctionName: `lojal-${client.config.clientId}-${handler}` },
    }),
  );
  if (id === undefined) throw new Error(`no function for ${handler}`);
  return id;
}

function policyStatementsOfRole(roleLogicalId: string): Statement[] {
  return Object.values(resources('AWS::IAM::Policy'))
    .filter((p) => asList(p.Properties.Roles).some((r: any) => r.Ref === roleLogicalId))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
}

describe('Construct: LojalStack', () => {
  describe('event routing', () => {
    it('has exactly one rule per route on the bus, and one schedule per job', () => {
      expect(Object.keys(busRules())).toHaveLength(ROUTES.length);
      // Mail has two rules off the client's bus: SES feedback on the default bus, and its release schedule.
      const mailRules = [stack.email.feedbackRule, stack.email.releaseRule].map(logicalIdOf);
      const jobSchedules = Object.keys(resources('AWS::Events::Rule')).filter((id) => !mailRules.includes(id)).length - ROUTES.length;
      expect(jobSchedules + Object.keys(resources('AWS::Scheduler::Schedule')).length).toBe(JOB_NAMES.length);
    });

    it("runs the calendar job at midnight in the client's time zone, through EventBridge Scheduler", () => {
      template.hasResourceProperties('AWS::Scheduler::Schedule', {
        ScheduleExpression: 'cron(0 0 * * ? *)',
        ScheduleExpressionTimezone: client.config.timeZone,
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: Match.objectLike({ Arn: { 'Fn::GetAtt': [logicalIdOfFunction('calendar-daily'), 'Arn'] } }),
      });
    });

    it('lets the calendar schedule invoke its one function and nothing else', () => {
      // Prepare
      const [schedule] = Object.values(resources('AWS::Scheduler::Schedule'));
      const roleId = schedule!.Properties.Target.RoleArn['Fn::GetAtt'][0] as string;

      // Act
      const statements = policyStatementsOfRole(roleId);

      // Assess
      expect(statements).toEqual([
        { Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: { 'Fn::GetAtt': [logicalIdOfFunction('calendar-daily'), 'Arn'] } },
      ]);
      expect(resources('AWS::IAM::Role')[roleId]!.Properties.AssumeRolePolicyDocument.Statement).toEqual([
        expect.objectContaining({
          Principal: { Service: 'scheduler.amazonaws.com' },
          Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
        }),
      ]);
    });

    it.each(ROUTES)('routes $detailType with exactly the pattern from routePattern to its handler', (route) => {
      // Prepare
      const pattern = routePattern(route, client.config.allowedSources);

      // Act: several routes may share a pattern (a profile handler and a mail handler); each has its own rule.
      const target = { 'Fn::GetAtt': [logicalIdOfFunction(route.handler), 'Arn'] };
      const rules = (
        Object.values(template.findResources('AWS::Events::Rule', { Properties: { EventPattern: Match.exact(pattern) } })) as Resource[]
      ).filter((r) => JSON.stringify(r.Properties.Targets?.[0]?.Arn) === JSON.stringify(target));

      // Assess
      expect(rules).toHaveLength(1);
      const rule = rules[0]!;
      expect(rule.Properties.EventBusName).toEqual({ Ref: expect.stringMatching(/^EventsBus/) });
      expect(rule.Properties.Targets).toEqual([
        expect.objectContaining({ Arn: { 'Fn::GetAtt': [logicalIdOfFunction(route.handler), 'Arn'] } }),
      ]);
    });

    it('never lets a webshop route match the lojal source', () => {
      for (const rule of Object.values(busRules()).filter((r) => routeOf(r)?.from === 'webshop')) {
        expect(rule.Properties.EventPattern.source).toEqual(client.config.allowedSources);
        expect(rule.Properties.EventPattern.source).not.toContain(LOJAL_SOURCE);
      }
    });

    it('gives every rule target a dead-letter queue and a retry policy', () => {
      const targets = Object.values(busRules()).flatMap((r) => r.Properties.Targets);
      expect(targets).toHaveLength(ROUTES.length);
      for (const target of targets) {
        expect(target.DeadLetterConfig).toEqual({ Arn: { 'Fn::GetAtt': [expect.stringMatching(/DeliveryFailures/), 'Arn'] } });
        expect(target.RetryPolicy).toEqual({ MaximumEventAgeInSeconds: 86_400, MaximumRetryAttempts: 185 });
      }
    });

    it('sends events whose handler keeps failing to an on-failure queue', () => {
      const configs = Object.values(resources('AWS::Lambda::EventInvokeConfig'));
      const handlers = [...new Set([...ROUTES.map((r) => r.handler), 'email-feedback'].map(logicalIdOfFunction))];
      expect(configs.map((c) => c.Properties.FunctionName.Ref).sort()).toEqual(handlers.sort());
      for (const config of configs) {
        expect(config.Properties).toMatchObject({
          Qualifier: '$LATEST',
          MaximumRetryAttempts: 2,
          DestinationConfig: {
            OnFailure: { Destination: { 'Fn::GetAtt': [expect.stringMatching(/ProcessingFailures/), 'Arn'] } },
          },
        });
      }
    });

    it('keeps every failure queue encrypted and TLS-only', () => {
      const queues = resources('AWS::SQS::Queue');
      const expected = [
        stack.rejectedEvents.queue,
        stack.routing.deliveryFailures.queue,
        stack.routing.processingFailures.queue,
        stack.email.queue,
        stack.email.deadLetters.queue,
      ];
      expect(Object.keys(queues).sort()).toEqual(expected.map(logicalIdOf).sort());
      // Issue 18: the three queues that hold whole events use a KMS key; the mail queues SQS-managed keys.
      const kms = [stack.rejectedEvents.queue, stack.routing.deliveryFailures.queue, stack.routing.processingFailures.queue].map(
        logicalIdOf,
      );
      for (const [id, queue] of Object.entries(queues)) {
        if (kms.includes(id))
          expect(queue.Properties.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^FailureQueuesKey/), 'Arn'] });
        else expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
      }
      for (const id of Object.keys(queues)) {
        template.hasResourceProperties('AWS::SQS::QueuePolicy', {
          Queues: [{ Ref: id }],
          PolicyDocument: {
            Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
          },
        });
      }
    });
  });

  describe('functions', () => {
    it('run every handler on Node.js 22 on arm64 with active tracing and their own log group', () => {
      const functions = Object.values(resources('AWS::Lambda::Function'));
      expect(functions).toHaveLength(
        new Set(ROUTES.map((r) => r.handler)).size +
          JOB_NAMES.length +
          memberApiFunctionNames(client.config.memberApi.auth).length +
          EMAIL_ENTRY_NAMES.length,
      );
      for (const fn of functions) {
        expect(fn.Properties).toMatchObject({
          Runtime: 'nodejs22.x',
          Architectures: ['arm64'],
          Handler: 'index.handler',
          TracingConfig: { Mode: 'Active' },
          LoggingConfig: { LogGroup: { Ref: expect.any(String) } },
        });
      }
      for (const logGroup of Object.values(resources('AWS::Logs::LogGroup'))) {
        expect(logGroup.Properties.RetentionInDays).toBeGreaterThan(0);
      }
    });

    it('give each handler its Powertools settings, the table and the rejected-events queue', () => {
      for (const route of ROUTES) {
        const fn = resources('AWS::Lambda::Function')[logicalIdOfFunction(route.handler)]!;
        expect(fn.Properties.Environment.Variables).toEqual({
          POWERTOOLS_SERVICE_NAME: route.handler,
          POWERTOOLS_METRICS_NAMESPACE: 'Lojal',
          NODE_OPTIONS: '--enable-source-maps',
          TABLE_NAME: { Ref: expect.stringMatching(/^DataTable/) },
          DEAD_LETTER_QUEUE_URL: { Ref: expect.stringMatching(/^RejectedEvents/) },
          // Email handlers queue mail requests.
          ...(route.handler.endsWith('-email') ? { MAIL_QUEUE_URL: { Ref: expect.stringMatching(/^EmailQueue/) } } : {}),
          // The flows mail and emit events.
          ...(route.handler === 'flows'
            ? {
                MAIL_QUEUE_URL: { Ref: expect.stringMatching(/^EmailQueue/) },
                EVENT_BUS_NAME: { Ref: expect.stringMatching(/^EventsBus/) },
              }
            : {}),
        });
      }
    });

    it('compile the client configuration into every bundle as an ES module', () => {
      for (const route of ROUTES) {
        // Prepare
        const fn = stack.routing.functions.get(route.handler)!;
        const asset = fn.node.findChild('Code') as unknown as { assetPath: string };

        // Act
        const code = readFileSync(join(app.outdir, asset.assetPath, 'index.mjs'), 'utf8');

        // Assess (booleans, so a failure does not print a 150 KB bundle)
        expect(code.includes(client.configJson), 'the configuration is in the bundle').toBe(true);
        expect(code.includes('__LOJAL_CONFIG__'), 'no reference to the global is left').toBe(false);
        expect(code.startsWith("import { createRequire as __lojalCreateRequire } from 'node:module';")).toBe(true);
      }
    });
  });

  describe('table', () => {
    it('is deployed from LOJAL_TABLE: keys, TTL and both GSIs with INCLUDE projection', () => {
      template.resourceCountIs('AWS::DynamoDB::GlobalTable', 1);
      template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
        KeySchema: [
          { AttributeName: LOJAL_TABLE.partitionKey.name, KeyType: 'HASH' },
          { AttributeName: LOJAL_TABLE.sortKey.name, KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        TimeToLiveSpecification: { AttributeName: LOJAL_TABLE.timeToLiveAttribute, Enabled: true },
        GlobalSecondaryIndexes: LOJAL_TABLE.globalSecondaryIndexes.map((index) => ({
          IndexName: index.indexName,
          KeySchema: [
            { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
            { AttributeName: index.sortKey.name, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: [...index.nonKeyAttributes] },
        })),
      });
    });

    it('is encrypted at rest, recoverable to any point in time, protected from deletion and retained', () => {
      template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
        Replicas: [
          Match.objectLike({
            PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
            DeletionProtectionEnabled: true,
          }),
        ],
      });
      template.hasResource('AWS::DynamoDB::GlobalTable', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    });
  });

  describe('permissions', () => {
    it('lets the webshop publisher only put events on the bus with an allowed source, never lojal', () => {
      // Prepare
      const [roleId] = Object.keys(
        template.findResources('AWS::IAM::Role', {
          Properties: { AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { AWS: Match.anyValue() } })] } },
        }),
      );

      // Act
      const statements = policyStatementsOfRole(roleId!);

      // Assess
      expect(statements).toEqual([
        {
          Effect: 'Allow',
          Action: 'events:PutEvents',
          Resource: { 'Fn::GetAtt': [expect.stringMatching(/^EventsBus/), 'Arn'] },
          Condition: { StringEquals: { 'events:source': client.config.allowedSources } },
        },
      ]);
      expect(statements[0]!.Condition!.StringEquals['events:source']).not.toContain(LOJAL_SOURCE);
    });

    it('lets each job put events on the bus with Source lojal only', () => {
      for (const job of JOB_NAMES) {
        const fn = resources('AWS::Lambda::Function')[logicalIdOfFunction(job)]!;
        const statements = policyStatementsOfRole(fn.Properties.Role['Fn::GetAtt'][0] as string);
        expect(statements.filter((s) => asList(s.Action).includes('events:PutEvents'))).toEqual([
          {
            Effect: 'Allow',
            Action: 'events:PutEvents',
            Resource: { 'Fn::GetAtt': [expect.stringMatching(/^EventsBus/), 'Arn'] },
            Condition: { StringEquals: { 'events:source': [LOJAL_SOURCE] } },
          },
        ]);
      }
    });

    it("denies Source lojal on the bus to everyone but Lojal's own jobs", () => {
      // The jobs, the flows (their emit steps), and the two functions that announce opt-outs (customer.unsubscribed).
      const jobRoles = [...JOB_NAMES, 'flows', 'member-api', 'email-feedback'].map(
        (job) => resources('AWS::Lambda::Function')[logicalIdOfFunction(job)]!.Properties.Role,
      );
      template.hasResourceProperties('AWS::Events::EventBusPolicy', {
        Statement: {
          Effect: 'Deny',
          Principal: { AWS: '*' },
          Action: 'events:PutEvents',
          Condition: { StringEquals: { 'events:source': LOJAL_SOURCE }, ArnNotEquals: { 'aws:PrincipalArn': jobRoles } },
        },
      });
    });

    it('grants handlers named DynamoDB actions on the table and its named indexes only', () => {
      for (const route of ROUTES) {
        const fn = resources('AWS::Lambda::Function')[logicalIdOfFunction(route.handler)]!;
        const roleId = fn.Properties.Role['Fn::GetAtt'][0] as string;
        const dynamo = policyStatementsOfRole(roleId).filter((s) => asList(s.Action).some((a) => a.startsWith('dynamodb:')));
        // Issue 18: the email route handlers but welcome-email only put on SQS, so they get no table rights.
        const queuesOnly = route.handler.endsWith('-email') && route.handler !== 'welcome-email';
        expect(dynamo.length > 0).toBe(!queuesOnly);
        for (const statement of dynamo) {
          expect(asList(statement.Action).filter((a) => a.includes('*'))).toEqual([]);
          expect(asList(statement.Resource)).not.toContain('*');
          expect(JSON.stringify(statement.Resource)).not.toContain('/index/*');
        }
      }
    });

    it('gives handler roles no managed policies', () => {
      for (const role of Object.values(resources('AWS::IAM::Role'))) {
        expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      }
    });
  });

  describe('outputs', () => {
    it('tells the webshop the bus and the role to send with', () => {
      template.hasOutput('EventBusName', {});
      template.hasOutput('EventBusArn', {});
      template.hasOutput('PublisherRoleArn', {});
      template.hasResourceProperties('AWS::Events::EventBus', { Name: `lojal-${client.config.clientId}` });
    });
  });

  describe('cdk-nag', () => {
    it('finds no unacknowledged AwsSolutions errors or warnings', () => {
      // Act
      const report = new AwsSolutionsChecks().validateScope(stack);

      // Assess
      const findings = report.violations.map((v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);
      expect(findings).toEqual([]);
    });

    it('has a one-sentence reason on every acknowledgement', () => {
      // Prepare
      const acknowledgements: { path: string; id: string; reason: string }[] = [];
      const visit = (construct: IConstruct) => {
        for (const entry of construct.node.metadata) {
          if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
          for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
            acknowledgements.push({ path: construct.node.path, id, reason });
          }
        }
        construct.node.children.forEach(visit);
      };

      // Act
      visit(stack);

      // Assess
      expect(acknowledgements.length).toBeGreaterThan(0);
      for (const { reason } of acknowledgements) {
        expect(reason).toMatch(/^[A-Z].{20,}\.$/);
        expect(reason).not.toMatch(/[.!?]\s+[A-Z]/);
      }
    });
  });
});
