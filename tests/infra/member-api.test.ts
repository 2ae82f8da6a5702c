import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AccountPrincipal } from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import demo from '../../clients/demo';
import { MEMBER_API_ROUTES } from '../../functions/api/member-api';
import { InvalidProgramConfigError } from '../../functions/config/program';
import {
  DEFAULT_LINK_ROUTE_THROTTLE,
  DEFAULT_MEMBER_API_THROTTLE,
  MEMBER_API_FUNCTION,
  MEMBER_API_KEY_AUTHORIZER_FUNCTION,
  MEMBER_API_KEY_HEADER,
  type MemberApiRouteSpec,
  isPublicRoute,
} from '../../functions/contract/member-api';
import { type LoadedClient, loadClient, validateClient } from '../../lib/load-client';
import { LojalStack } from '../../lib/lojal-stack';
import { LojalTable } from '../../lib/lojal-table';
import { InvalidMemberApiPropsError, MemberApi } from '../../lib/member-api';

type Resource = { Type: string; Properties: Record<string, any> };
type Statement = { Effect: string; Action: string | string[]; Resource: unknown };

const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);
const routeKey = (route: MemberApiRouteSpec) => `${route.method} ${route.path}`;
const memberRoutes = (MEMBER_API_ROUTES as readonly MemberApiRouteSpec[]).filter((r) => !isPublicRoute(r));

/** A synthesized template with the lookups every test below needs. */
class Synthesized {
  readonly template: Template;
  constructor(readonly stack: Stack) {
    this.template = Template.fromStack(stack);
  }

  resources(type: string): Record<string, Resource> {
    return this.template.findResources(type) as Record<string, Resource>;
  }

  /** Logical id of the function named `lojal-<clientId>-<name>`. */
  functionId(clientId: string, name: string): string {
    const [id] = Object.keys(
      this.template.findResources('AWS::Lambda::Function', { Properties: { FunctionName: `lojal-${clientId}-${name}` } }),
    );
    if (id === undefined) throw new Error(`no function ${name}`);
    return id;
  }

  roleStatements(roleId: string): Statement[] {
    return Object.values(this.resources('AWS::IAM::Policy'))
      .filter((p) => asList(p.Properties.Roles).some((r: any) => r.Ref === roleId))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
  }

  functionRoleStatements(clientId: string, name: string): Statement[] {
    const fn = this.resources('AWS::Lambda::Function')[this.functionId(clientId, name)]!;
    return this.roleStatements(fn.Properties.Role['Fn::GetAtt'][0] as string);
  }

  routes(): Resource[] {
    return Object.values(this.resources('AWS::ApiGatewayV2::Route'));
  }

  route(key: string): Resource {
    const route = this.routes().find((r) => r.Properties.RouteKey === key);
    if (!route) throw new Error(`no route ${key}`);
    return route;
  }

  /** cdk-nag findings that are not acknowledged, as `rule at path`. */
  nagFindings(): string[] {
    const report = new AwsSolutionsChecks().validateScope(this.stack);
    return report.violations.map((v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);
  }
}

function synthesizeStack(client: LoadedClient): Synthesized {
  return new Synthesized(new LojalStack(new App(), `Lojal-${client.config.clientId}`, { client }));
}

/** A MemberApi on its own, e.g. with routes that MEMBER_API_ROUTES does not have yet. */
function synthesizeApi(client: LoadedClient, props: Partial<ConstructorParameters<typeof MemberApi>[2]>): Synthesized {
  const stack = new Stack(new App(), 'MemberApiOnly');
  new MemberApi(stack, 'MemberApi', {
    clientId: client.config.clientId,
    configJson: client.configJson,
    table: new LojalTable(stack, 'Data'),
    ...props,
  });
  return new Synthesized(stack);
}

// Issue 18: no BatchGetItem or BatchWriteItem (the API calls neither); Query twice, on the table and on the board index.
const READ_WRITE_TABLE_ACTIONS = [
  'dynamodb:ConditionCheckItem',
  'dynamodb:DeleteItem',
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:Query',
  'dynamodb:Query',
  'dynamodb:UpdateItem',
];
const OWN_LOGS_AND_TRACES = ['logs:CreateLogStream', 'logs:PutLogEvents', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments'];

let demoClient: LoadedClient;
let keyClient: LoadedClient;
let demoStack: Synthesized;
let keyStack: Synthesized;

beforeAll(async () => {
  demoClient = await loadClient('demo');
  keyClient = validateClient(
    {
      ...demo,
      memberApi: {
        auth: 'apiKey',
        corsOrigins: ['https://shop.example.com', 'http://localhost:3000'],
        throttle: { rateLimit: 10, burstLimit: 20 },
        linkThrottle: { rateLimit: 3, burstLimit: 6 },
      },
    },
    'clients/demo.ts (API key variant)',
  );
  demoStack = synthesizeStack(demoClient);
  keyStack = synthesizeStack(keyClient);
});

describe('Construct: MemberApi', () => {
  describe('in the demo stack (IAM auth, no CORS)', () => {
    it('has exactly one route per MEMBER_API_ROUTES entry, each integrated with the member API function', () => {
      // Prepare
      const functionId = demoStack.functionId('demo', MEMBER_API_FUNCTION);
      const integrations = demoStack.resources('AWS::ApiGatewayV2::Integration');

      // Act
      const routes = demoStack.routes();

      // Assess
      expect(routes.map((r) => r.Properties.RouteKey).sort()).toEqual(MEMBER_API_ROUTES.map(routeKey).sort());
      for (const route of routes) {
        const integrationId = (route.Properties.Target['Fn::Join'][1] as unknown[])[1] as { Ref: string };
        expect(integrations[integrationId.Ref]!.Properties).toMatchObject({
          IntegrationType: 'AWS_PROXY',
          PayloadFormatVersion: '2.0',
          IntegrationUri: { 'Fn::GetAtt': [functionId, 'Arn'] },
        });
      }
    });

    it('puts the IAM authorizer on every member route', () => {
      for (const route of memberRoutes) {
        expect(demoStack.route(routeKey(route)).Properties.AuthorizationType).toBe('AWS_IAM');
      }
    });

    it('throttles its $default stage with the client configuration, the documented defaults for the demo', () => {
      expect(demoClient.config.memberApi.throttle).toEqual(DEFAULT_MEMBER_API_THROTTLE);
      demoStack.template.resourceCountIs('AWS::ApiGatewayV2::Stage', 1);
      demoStack.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
        StageName: '$default',
        AutoDeploy: true,
        DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      });
    });

    it('writes a JSON access log line per request, naming the route but not the member, to a log group with retention', () => {
      // Prepare
      const stage = Object.values(demoStack.resources('AWS::ApiGatewayV2::Stage'))[0]!;
      const logGroupId = stage.Properties.AccessLogSettings.DestinationArn['Fn::GetAtt'][0] as string;

      // Act
      const format = JSON.parse(stage.Properties.AccessLogSettings.Format as string) as Record<string, string>;

      // Assess
      expect(format).toMatchObject({ requestId: '$context.requestId', routeKey: '$context.routeKey', status: '$context.status' });
      expect(Object.values(format)).not.toContain('$context.path');
      expect(demoStack.resources('AWS::Logs::LogGroup')[logGroupId]!.Properties.RetentionInDays).toBe(30);
    });

    it('sends no CORS headers when the client names no origins', () => {
      demoStack.template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP', CorsConfiguration: Match.absent() });
    });

    it('gives the function the table read/write, its own logs and traces, and no queue, bus or mail rights', () => {
      // Prepare
      const fn = demoStack.resources('AWS::Lambda::Function')[demoStack.functionId('demo', MEMBER_API_FUNCTION)]!;

      // Act
      const statements = demoStack.functionRoleStatements('demo', MEMBER_API_FUNCTION);

      // Assess
      const actions = statements.flatMap((s) => asList(s.Action));
      expect(actions.filter((a) => a.startsWith('dynamodb:')).sort()).toEqual(READ_WRITE_TABLE_ACTIONS);
      for (const statement of statements.filter((s) => asList(s.Action).some((a) => a.startsWith('dynamodb:')))) {
        for (const resource of asList(statement.Resource)) expect(JSON.stringify(resource)).toMatch(/DataTable/);
      }
      // Beyond those, only reading the mail-link secret, which the email construct grants (links are verified here),
      // and announcing the unsubscribe link's opt-out as customer.unsubscribed, with Source lojal alone.
      expect(
        actions.filter(
          (a) =>
            !a.startsWith('dynamodb:') &&
            !OWN_LOGS_AND_TRACES.includes(a) &&
            a !== 'secretsmanager:GetSecretValue' &&
            a !== 'events:PutEvents',
        ),
      ).toEqual([]);
      for (const statement of statements.filter((s) => asList(s.Action).includes('events:PutEvents'))) {
        expect(JSON.stringify(statement)).toContain('"events:source":["lojal"]');
      }
      expect(fn.Properties.Environment.Variables).toMatchObject({
        POWERTOOLS_SERVICE_NAME: MEMBER_API_FUNCTION,
        TABLE_NAME: { Ref: expect.stringMatching(/^DataTable/) },
      });
      expect(fn.Properties.Environment.Variables).not.toHaveProperty('DEAD_LETTER_QUEUE_URL');
      expect(fn.Properties.Timeout).toBeLessThan(30);
    });

    it('lets the caller role, assumed from the stack account, invoke each member route and nothing else', () => {
      // Prepare
      const [roleId] = Object.keys(
        demoStack.template.findResources('AWS::IAM::Role', { Properties: { Description: Match.stringLikeRegexp('call the member API') } }),
      );

      // Act
      const statements = demoStack.roleStatements(roleId!);

      // Assess
      const role = demoStack.resources('AWS::IAM::Role')[roleId!]!;
      expect(JSON.stringify(role.Properties.AssumeRolePolicyDocument)).toContain(':root');
      expect(statements).toHaveLength(1);
      expect(statements[0]!.Action).toBe('execute-api:Invoke');
      const arns = asList(statements[0]!.Resource).map((arn: any) => (arn['Fn::Join'][1] as unknown[]).at(-1));
      expect(arns.sort()).toEqual(memberRoutes.map((r) => `/$default/${r.method}${r.path.replace(/\{[A-Za-z]+\}/, '*')}`).sort());
    });

    it('outputs the API URL and the caller role, and no key secret', () => {
      demoStack.template.hasOutput('MemberApiUrl', {});
      demoStack.template.hasOutput('MemberApiCallerRoleArn', {});
      expect(Object.keys(demoStack.template.findOutputs('MemberApiKeySecretArn'))).toEqual([]);
      const keySecrets = demoStack.template.findResources('AWS::SecretsManager::Secret', {
        Properties: { Description: Match.stringLikeRegexp('Member API key') },
      });
      expect(Object.keys(keySecrets)).toEqual([]);
    });
  });

  describe('with API-key auth, CORS origins and a throttle in the client configuration', () => {
    it('puts the API-key Lambda authorizer on every member route, cached per key and reading only the x-api-key header', () => {
      // Prepare
      const authorizerFunctionId = keyStack.functionId('demo', MEMBER_API_KEY_AUTHORIZER_FUNCTION);
      const [authorizerId, authorizer] = Object.entries(keyStack.resources('AWS::ApiGatewayV2::Authorizer'))[0]!;

      // Assess
      expect(Object.keys(keyStack.resources('AWS::ApiGatewayV2::Authorizer'))).toHaveLength(1);
      expect(authorizer.Properties).toMatchObject({
        AuthorizerType: 'REQUEST',
        IdentitySource: [`$request.header.${MEMBER_API_KEY_HEADER}`],
        EnableSimpleResponses: true,
        AuthorizerPayloadFormatVersion: '2.0',
        AuthorizerResultTtlInSeconds: 300,
      });
      expect(JSON.stringify(authorizer.Properties.AuthorizerUri)).toContain(authorizerFunctionId);
      for (const route of memberRoutes) {
        expect(keyStack.route(routeKey(route)).Properties).toMatchObject({
          AuthorizationType: 'CUSTOM',
          AuthorizerId: { Ref: authorizerId },
        });
      }
    });

    it('lets the authorizer read its key secret and nothing else', () => {
      // Prepare
      const keySecrets = keyStack.template.findResources('AWS::SecretsManager::Secret', {
        Properties: { Description: Match.stringLikeRegexp('Member API key') },
      });
      expect(Object.keys(keySecrets)).toHaveLength(1);
      const [secretId] = Object.keys(keySecrets);
      const fn = keyStack.resources('AWS::Lambda::Function')[keyStack.functionId('demo', MEMBER_API_KEY_AUTHORIZER_FUNCTION)]!;

      // Act
      const statements = keyStack.functionRoleStatements('demo', MEMBER_API_KEY_AUTHORIZER_FUNCTION);

      // Assess
      const secretStatements = statements.filter((s) => asList(s.Action).some((a) => a.startsWith('secretsmanager:')));
      expect(secretStatements).toEqual([
        {
          Effect: 'Allow',
          Action: expect.arrayContaining(['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue']),
          Resource: { Ref: secretId },
        },
      ]);
      expect(asList(secretStatements[0]!.Action)).toHaveLength(2);
      expect(
        statements
          .flatMap((s) => asList(s.Action))
          .filter((a) => !a.startsWith('secretsmanager:'))
          .sort(),
      ).toEqual(OWN_LOGS_AND_TRACES);
      expect(fn.Properties.Environment.Variables.API_KEY_SECRET_ARN).toEqual({ Ref: secretId });
      keyStack.template.hasResourceProperties('AWS::SecretsManager::Secret', {
        GenerateSecretString: { GenerateStringKey: 'apiKey', SecretStringTemplate: '{}', PasswordLength: 48 },
      });
    });

    it("answers CORS preflights for exactly the configured origins, with the routes' methods and the key header", () => {
      keyStack.template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
        CorsConfiguration: {
          AllowOrigins: keyClient.config.memberApi.corsOrigins,
          AllowMethods: [...new Set(MEMBER_API_ROUTES.map((r) => r.method))].sort(),
          AllowHeaders: ['content-type', MEMBER_API_KEY_HEADER],
          AllowCredentials: false,
          MaxAge: 3600,
        },
      });
    });

    it('throttles its stage as configured', () => {
      keyStack.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
        DefaultRouteSettings: { ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 },
      });
    });

    it('outputs the API URL and the key secret, and creates no caller role', () => {
      keyStack.template.hasOutput('MemberApiUrl', {});
      keyStack.template.hasOutput('MemberApiKeySecretArn', {});
      expect(Object.keys(keyStack.template.findOutputs('MemberApiCallerRoleArn'))).toEqual([]);
      expect(
        Object.keys(
          keyStack.template.findResources('AWS::IAM::Role', { Properties: { Description: Match.stringLikeRegexp('call the member API') } }),
        ),
      ).toEqual([]);
    });

    it('finds no unacknowledged cdk-nag AwsSolutions errors or warnings', () => {
      expect(keyStack.nagFindings()).toEqual([]);
    });
  });

  describe('for the links in email (routes marked public)', () => {
    const publicRoutes = (MEMBER_API_ROUTES as readonly MemberApiRouteSpec[]).filter(isPublicRoute);

    it('serves them without an authorizer, whatever the auth mode', () => {
      // Unsubscribe and check-in links must open from a mail client (docs/member-api.md, issue 5).
      expect(publicRoutes.length).toBeGreaterThan(0);
      for (const stack of [demoStack, keyStack]) {
        for (const route of publicRoutes) {
          const properties = stack.route(routeKey(route)).Properties;
          expect(properties.AuthorizationType).toBe('NONE');
          expect(properties.AuthorizerId).toBeUndefined();
        }
      }
    });

    it('gives each of them its own route throttle on the stage (the defaults for the demo), and the shop routes none', () => {
      // Prepare
      const stage = (synthesized: Synthesized) => Object.values(synthesized.resources('AWS::ApiGatewayV2::Stage'))[0]!;
      const demoSettings = stage(demoStack).Properties.RouteSettings as Record<string, unknown>;

      // Assess
      expect(Object.keys(demoSettings).sort()).toEqual(publicRoutes.map(routeKey).sort());
      for (const key of Object.keys(demoSettings)) {
        expect(demoSettings[key]).toEqual({ ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 });
      }
      const keySettings = stage(keyStack).Properties.RouteSettings as Record<string, unknown>;
      expect(Object.keys(keySettings).sort()).toEqual(publicRoutes.map(routeKey).sort());
      for (const key of Object.keys(keySettings)) expect(keySettings[key]).toEqual({ ThrottlingRateLimit: 3, ThrottlingBurstLimit: 6 });
      // The shop's routes keep the stage's throttle.
      expect(stage(keyStack).Properties.DefaultRouteSettings).toEqual({ ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 });
    });

    it('deploys the stage after the link routes its route settings name', () => {
      const [stageId] = Object.keys(demoStack.resources('AWS::ApiGatewayV2::Stage'));
      const stage = demoStack.template.toJSON().Resources[stageId!] as { DependsOn?: string[] };
      const routeIds = Object.entries(demoStack.resources('AWS::ApiGatewayV2::Route'))
        .filter(([, r]) => publicRoutes.map(routeKey).includes(r.Properties.RouteKey))
        .map(([id]) => id);
      expect(routeIds).toHaveLength(publicRoutes.length);
      expect(stage.DependsOn).toEqual(expect.arrayContaining(routeIds));
    });

    it('leaves them out of the caller role, which needs no grant for them', () => {
      const invoke = Object.values(demoStack.resources('AWS::IAM::Policy'))
        .map((p) => JSON.stringify(p.Properties.PolicyDocument))
        .filter((p) => p.includes('execute-api:Invoke'));
      expect(invoke).toHaveLength(1);
      for (const route of publicRoutes) expect(invoke[0]).not.toContain(`/${route.method}${route.path.replace(/\{[A-Za-z]+\}/, '*')}"`);
    });

    it('acknowledges cdk-nag APIG4 on each open route and nowhere else', () => {
      // Prepare
      const acknowledged: string[] = [];
      const visit = (c: IConstruct) => {
        for (const entry of c.node.metadata) {
          if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
          // Validations stores acknowledged ids with an `Annotation::` prefix, which cdk-nag strips.
          const ids = Object.keys(entry.data as object).map((id) => id.replace(/^annotation::/i, ''));
          if (ids.includes('AwsSolutions-APIG4')) acknowledged.push(c.node.path);
        }
        c.node.children.forEach(visit);
      };

      // Act
      visit(demoStack.stack);

      // Assess
      expect(acknowledged).toHaveLength(publicRoutes.length);
      for (const route of publicRoutes) {
        // HttpApi names a route's construct after its key, e.g. `POST--v1--members--{customerId}--unsubscribe`.
        expect(acknowledged.some((path) => path.endsWith(`/${route.method}${route.path.replaceAll('/', '--')}`))).toBe(true);
      }
    });
  });

  describe('with IAM auth and CORS origins', () => {
    it('allows the SigV4 headers and every route method in CORS preflights', () => {
      const api = synthesizeApi(demoClient, { corsOrigins: ['https://shop.example.com'] });

      api.template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
        CorsConfiguration: Match.objectLike({
          AllowOrigins: ['https://shop.example.com'],
          AllowMethods: [...new Set(MEMBER_API_ROUTES.map((r) => r.method))].sort(),
          AllowHeaders: ['authorization', 'content-type', 'x-amz-date', 'x-amz-security-token', 'x-amz-content-sha256'],
        }),
      });
      expect(api.nagFindings()).toEqual([]);
    });
  });

  describe('props', () => {
    it('refuses a caller principal with API-key auth, which has no caller role', async () => {
      const stack = new Stack(new App(), 'Bad');
      const table = new LojalTable(stack, 'Data');

      expect(
        () =>
          new MemberApi(stack, 'MemberApi', {
            clientId: 'demo',
            configJson: demoClient.configJson,
            table,
            auth: 'apiKey',
            callerPrincipal: new AccountPrincipal('123456789012'),
          }),
      ).toThrow(InvalidMemberApiPropsError);
    });
  });
});

describe('Schema: memberApi in the client configuration', () => {
  it('defaults to IAM, no CORS and the documented throttles', () => {
    expect(demoClient.config.memberApi).toEqual({
      auth: 'iam',
      corsOrigins: [],
      throttle: DEFAULT_MEMBER_API_THROTTLE,
      linkThrottle: DEFAULT_LINK_ROUTE_THROTTLE,
    });
    expect(DEFAULT_LINK_ROUTE_THROTTLE).toEqual({ rateLimit: 10, burstLimit: 20 });
  });

  it.each([
    ['a trailing slash', 'https://shop.example.com/'],
    ['a path', 'https://shop.example.com/account'],
    ['a wildcard', '*'],
    ['plain http to a public host', 'http://shop.example.com'],
  ])('rejects a CORS origin with %s, naming the field', (_, origin) => {
    const error = (() => {
      try {
        validateClient({ ...demo, memberApi: { corsOrigins: [origin] } }, 'clients/demo.ts');
      } catch (e) {
        return e;
      }
    })();

    expect(error).toBeInstanceOf(InvalidProgramConfigError);
    expect((error as InvalidProgramConfigError).issues.map((i) => i.path)).toEqual(['memberApi.corsOrigins[0]']);
  });

  it('rejects a link throttle that is not a positive whole number, naming the field', () => {
    expect(() => validateClient({ ...demo, memberApi: { linkThrottle: { rateLimit: 0, burstLimit: 5 } } }, 'clients/demo.ts')).toThrow(
      /memberApi\.linkThrottle\.rateLimit/,
    );
  });

  it('rejects an unknown auth mode', () => {
    expect(() => validateClient({ ...demo, memberApi: { auth: 'basic' } }, 'clients/demo.ts')).toThrow(/memberApi\.auth/);
  });
});
