import { Duration, Stack, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  type CfnStage,
  CorsHttpMethod,
  type CorsPreflightOptions,
  HttpApi,
  HttpMethod,
  HttpNoneAuthorizer,
  type HttpRoute,
  HttpStage,
  type IHttpRouteAuthorizer,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer, HttpLambdaAuthorizer, HttpLambdaResponseType } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { AccountRootPrincipal, Grant, type IGrantable, type IPrincipal, Role } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { MEMBER_API_ROUTES } from '../functions/api/routes';
import {
  DEFAULT_LINK_ROUTE_THROTTLE,
  DEFAULT_MEMBER_API_THROTTLE,
  MEMBER_API_FUNCTION,
  MEMBER_API_KEY_AUTHORIZER_FUNCTION,
  MEMBER_API_KEY_HEADER,
  type MemberApiAuth,
  type MemberApiRouteSpec,
  type MemberApiThrottle,
  isPublicRoute,
} from '../functions/contract/member-api';
import { LAMBDA_ENTRIES_DIR } from './event-routing';
import { MEMBER_API_ACCESS } from './table-access';
import { LojalFunction } from './lojal-function';
import type { LojalTable } from './lojal-table';

export interface MemberApiProps {
  readonly clientId: string;
  /** The client's configuration as JSON (`LoadedClient.configJson`); compiled into the function. */
  readonly configJson: string;
  readonly table: LojalTable;
  /**
   * How the shop authenticates (`ProgramConfig.memberApi.auth`): `iam` puts an IAM authorizer on
   * every member route and creates a caller role; `apiKey` puts a Lambda authorizer that checks
   * the `x-api-key` header against a generated secret.
   * @default 'iam'
   */
  readonly auth?: MemberApiAuth;
  /** Who may assume the caller role (auth `iam` only). @default this stack's own account (`AccountRootPrincipal`) */
  readonly callerPrincipal?: IPrincipal;
  /** An external id the caller must present when assuming the caller role (auth `iam` only). @default none */
  readonly callerExternalId?: string;
  /** Browser origins allowed to call the API (`ProgramConfig.memberApi.corsOrigins`). @default [] - no CORS */
  readonly corsOrigins?: readonly string[];
  /** The stage's throttle, across all callers. @default DEFAULT_MEMBER_API_THROTTLE (50 requests a second, bursts of 100) */
  readonly throttle?: MemberApiThrottle;
  /**
   * Each public link route's own throttle, in place of the stage's (a route setting on the stage).
   * @default DEFAULT_LINK_ROUTE_THROTTLE (10 requests a second, bursts of 20)
   */
  readonly linkThrottle?: MemberApiThrottle;
  /** How long the access log keeps requests. @default one month */
  readonly accessLogRetention?: RetentionDays;
  /** @default MEMBER_API_ROUTES from functions/api/routes.ts */
  readonly routes?: readonly MemberApiRouteSpec[];
}

/** MemberApi props that cannot work together, e.g. a caller principal with API-key auth. */
export class InvalidMemberApiPropsError extends Error {
  override readonly name = 'InvalidMemberApiPropsError';
}

/** API Gateway caches an authorizer's answer per key for this long, so a removed key stops working within it. */
const AUTHORIZER_CACHE = Duration.minutes(5);

/** The headers a SigV4-signed browser request carries. */
const SIGV4_HEADERS = ['authorization', 'content-type', 'x-amz-date', 'x-amz-security-token', 'x-amz-content-sha256'];

/**
 * One access-log line per request, as JSON. The route key names the route without the member
 * (`GET /v1/members/{customerId}`); the source IP is kept for a month to trace abuse.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-logging-variables.html
 */
const ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  requestTime: '$context.requestTime',
  routeKey: '$context.routeKey',
  status: '$context.status',
  responseLength: '$context.responseLength',
  responseLatencyMs: '$context.responseLatency',
  integrationStatus: '$context.integrationStatus',
  integrationError: '$context.integrationErrorMessage',
  authorizerError: '$context.authorizer.error',
  error: '$context.error.message',
  caller: '$context.identity.userArn',
  sourceIp: '$context.identity.sourceIp',
  protocol: '$context.protocol',
};

/**
 * The member API in AWS (docs/member-api.md): an HTTP API whose routes are exactly
 * `MEMBER_API_ROUTES`, all served by one Lambda running `createMemberApi`, the handler the local
 * copy serves too. Member routes need the shop's credentials (IAM or the client's API key);
 * routes marked `auth: 'public'` (email links) have no authorizer. The `$default` stage throttles,
 * writes a JSON access log, and answers CORS preflights for the configured origins.
 *
 * Why an HTTP API, not a REST API with usage-plan API keys: the handler speaks payload format 2.0,
 * HTTP APIs cost less and add less latency, and REST API keys are meant for metering, not
 * authentication (AWS says so); a Lambda authorizer with the key in Secrets Manager gives one
 * per-client key with constant-time comparison and rotation. What HTTP APIs lack is custom
 * gateway responses: a refused or throttled request gets API Gateway's own `{"message": …}`.
 */
export class MemberApi extends Construct {
  readonly httpApi: HttpApi;
  readonly stage: HttpStage;
  /** Serves every route. */
  readonly function: LojalFunction;
  readonly accessLogs: LogGroup;
  readonly auth: MemberApiAuth;
  readonly routes: readonly HttpRoute[];
  /** The route keys of the public link routes (`GET /v1/members/{customerId}/unsubscribe`, …), throttled on their own. */
  readonly linkRouteKeys: readonly string[];
  /** The role the shop assumes to sign its requests (auth `iam`). */
  readonly callerRole?: Role;
  /** The client's API key, as `{"apiKey":"…"}` (auth `apiKey`). */
  readonly apiKeySecret?: Secret;
  /** Checks the API key (auth `apiKey`). */
  readonly keyAuthorizer?: LojalFunction;
  private readonly memberRoutes: readonly MemberApiRouteSpec[];

  constructor(scope: Construct, id: string, props: MemberApiProps) {
    super(scope, id);
    this.auth = props.auth ?? 'iam';
    if (this.auth !== 'iam' && (props.callerPrincipal !== undefined || props.callerExternalId !== undefined)) {
      throw new InvalidMemberApiPropsError(
        `MemberApi ${id}: a caller principal or external id (-c memberApiCallerAccount, -c memberApiCallerExternalId) applies to auth 'iam' only; this member API uses '${this.auth}'`,
      );
    }
    const routes: readonly MemberApiRouteSpec[] = props.routes ?? MEMBER_API_ROUTES;
    this.memberRoutes = routes.filter((route) => !isPublicRoute(route));

    this.function = new LojalFunction(this, 'Function', {
      entry: `${LAMBDA_ENTRIES_DIR}${MEMBER_API_FUNCTION}.ts`,
      configJson: props.configJson,
      serviceName: MEMBER_API_FUNCTION,
      functionName: `lojal-${props.clientId}-${MEMBER_API_FUNCTION}`,
      description: `Serves the member API of client ${props.clientId}`,
      // Well inside API Gateway's 30-second integration limit, so a slow call ends as our 500, not a gateway 503.
      timeout: Duration.seconds(10),
    });
    // Read-write, though most routes read: redemptions and the answers to email links (some
    // arrive as GET) write, and one function keeps one warm pool for the whole API.
    this.function.bindTable(props.table, MEMBER_API_ACCESS);

    this.accessLogs = new LogGroup(this, 'AccessLogs', { retention: props.accessLogRetention ?? RetentionDays.ONE_MONTH });
    this.httpApi = new HttpApi(this, 'HttpApi', {
      apiName: `lojal-${props.clientId}-members`,
      description: `Lojal member API of client ${props.clientId}`,
      // Our own $default stage below, with throttling and access logs.
      createDefaultStage: false,
      corsPreflight: corsFor(props.corsOrigins ?? [], routes, this.auth),
    });
    // `$default` keeps the stage out of the path, so `rawPath` is exactly the route path the handler matches.
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle ?? DEFAULT_MEMBER_API_THROTTLE,
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });

    let memberAuthorizer: IHttpRouteAuthorizer = new HttpIamAuthorizer();
    if (this.auth === 'apiKey') {
      const key = createKeyAuthorizer(this, props);
      memberAuthorizer = key.authorizer;
      this.apiKeySecret = key.secret;
      this.keyAuthorizer = key.function;
    }
    const integration = new HttpLambdaIntegration('Handler', this.function);
    const linkRoutes: HttpRoute[] = [];
    this.routes = routes.flatMap((route) => {
      const added = this.httpApi.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration,
        authorizer: isPublicRoute(route) ? new HttpNoneAuthorizer() : memberAuthorizer,
      });
      if (isPublicRoute(route)) {
        linkRoutes.push(...added);
        for (const r of added) {
          Validations.of(r).acknowledge({
            id: 'AwsSolutions-APIG4',
            reason:
              'A public route is opened from a link in an email, which cannot carry credentials, and the handler acts only on a valid HMAC signature for the member.',
          });
        }
      }
      return added;
    });

    // The link routes are advertised in every mail: each gets its own throttle, so a flood of
    // (forged) links is cut off at its route instead of sharing the stage's limit with the shop.
    const publicRoutes = routes.filter(isPublicRoute);
    this.linkRouteKeys = publicRoutes.map((route) => `${route.method} ${route.path}`);
    const linkThrottle = props.linkThrottle ?? DEFAULT_LINK_ROUTE_THROTTLE;
    const cfnStage = this.stage.node.defaultChild as CfnStage;
    cfnStage.routeSettings = Object.fromEntries(
      this.linkRouteKeys.map((key) => [
        key,
        { ThrottlingRateLimit: linkThrottle.rateLimit, ThrottlingBurstLimit: linkThrottle.burstLimit },
      ]),
    );
    // A stage's route settings must name routes that exist when the stage is created or updated.
    for (const route of linkRoutes) this.stage.node.addDependency(route);

    if (this.auth === 'iam') {
      this.callerRole = new Role(this, 'CallerRole', {
        assumedBy: props.callerPrincipal ?? new AccountRootPrincipal(),
        externalIds: props.callerExternalId === undefined ? undefined : [props.callerExternalId],
        description: `Lets the webshop call the member API of client ${props.clientId}`,
      });
      this.grantInvoke(this.callerRole);
      for (const route of this.memberRoutes) {
        const reason = wildcardReason(route, routes);
        if (reason === undefined) continue;
        Validations.of(this.callerRole).acknowledge({
          id: `AwsSolutions-IAM5[${nagResourceFinding(this, this.invokeArn(route))}]`,
          reason,
        });
      }
    }
  }

  /** The API's base URL, e.g. `https://abc123.execute-api.eu-north-1.amazonaws.com/`. */
  get url(): string {
    return this.stage.url;
  }

  /**
   * Lets `grantee` call every member route with SigV4 (auth `iam`): `execute-api:Invoke` on each
   * route's method and path, `{customerId}` standing for any member.
   */
  grantInvoke(grantee: IGrantable): Grant {
    return Grant.addToPrincipal({ grantee, actions: ['execute-api:Invoke'], resourceArns: this.invokeArns() });
  }

  /** One execute-api ARN per member route: its stage, method and path, with `*` for each path parameter. */
  private invokeArns(): string[] {
    return this.memberRoutes.map((route) => this.invokeArn(route));
  }

  private invokeArn(route: MemberApiRouteSpec): string {
    return this.httpApi.arnForExecuteApi(route.method, invokePath(route), this.stage.stageName);
  }
}

/** A route's path as an execute-api resource: `*` for each path parameter. */
function invokePath(route: MemberApiRouteSpec): string {
  return route.path.replace(/\{\w+\}/g, '*');
}

/**
 * Why a route's execute-api resource may hold a wildcard, or undefined when it holds none. In an
 * execute-api ARN `*` matches any characters, `/` included, so `GET/v1/members/*` stands for the
 * customer id and also matches every GET route below `/v1/members/{customerId}`: the reason names
 * those routes, which are member routes the role is granted anyway or public link routes.
 */
export function wildcardReason(route: MemberApiRouteSpec, routes: readonly MemberApiRouteSpec[]): string | undefined {
  const params = route.path.match(/\{\w+\}/g);
  if (params === null) return undefined;
  const pattern = new RegExp(`^${route.method} ${invokePath(route).split('*').map(escapeRegExp).join('.*')}$`);
  const alsoMatched = routes
    .filter((other) => other !== route && pattern.test(`${other.method} ${other.path}`))
    .map((other) => `${other.method} ${other.path}${isPublicRoute(other) ? ' (public)' : ''}`);
  return (
    `The resource names the member route ${route.method} ${route.path}; its wildcard stands for ${params.join(', ')}` +
    (alsoMatched.length === 0
      ? ' and matches no other route.'
      : `, and since an execute-api wildcard also matches "/", it matches ${alsoMatched.join(', ')} too, each a member route this role may call anyway or a public link route.`)
  );
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The API-key authorizer: a generated secret, the function that compares the header with it,
 * and the Lambda request authorizer whose answers API Gateway caches per key.
 */
function createKeyAuthorizer(
  scope: Construct,
  props: MemberApiProps,
): { authorizer: IHttpRouteAuthorizer; secret: Secret; function: LojalFunction } {
  const secret = new Secret(scope, 'ApiKey', {
    description: `Member API key of Lojal client ${props.clientId}: every value of this JSON object is an accepted key`,
    generateSecretString: {
      secretStringTemplate: '{}',
      generateStringKey: 'apiKey',
      passwordLength: 48,
      excludePunctuation: true,
    },
  });
  Validations.of(secret).acknowledge({
    id: 'AwsSolutions-SMG4',
    reason:
      'The key is shared with the shop, so it is rotated by hand in step with the shop: add the new key beside the old, move the shop over, then remove the old.',
  });
  const fn = new LojalFunction(scope, 'KeyAuthorizer', {
    entry: `${LAMBDA_ENTRIES_DIR}${MEMBER_API_KEY_AUTHORIZER_FUNCTION}.ts`,
    configJson: props.configJson,
    serviceName: MEMBER_API_KEY_AUTHORIZER_FUNCTION,
    functionName: `lojal-${props.clientId}-${MEMBER_API_KEY_AUTHORIZER_FUNCTION}`,
    description: `Checks the member API key of client ${props.clientId}`,
    memorySize: 256,
    timeout: Duration.seconds(5),
    environment: { API_KEY_SECRET_ARN: secret.secretArn },
  });
  secret.grantRead(fn);
  const authorizer = new HttpLambdaAuthorizer('ApiKeyAuthorizer', fn, {
    authorizerName: 'api-key',
    // A request without the header is refused by API Gateway (401) without invoking the function.
    identitySource: [`$request.header.${MEMBER_API_KEY_HEADER}`],
    responseTypes: [HttpLambdaResponseType.SIMPLE],
    resultsCacheTtl: AUTHORIZER_CACHE,
  });
  return { authorizer, secret, function: fn };
}

/**
 * A cdk-nag wildcard finding names the resource as cdk-nag renders it (`Fn::Join` joined, `Ref` as
 * `<LogicalId>`), so an acknowledgement of one resource must name it the same way.
 */
function nagResourceFinding(scope: Construct, arn: string): string {
  const flatten = (node: unknown): string => {
    if (typeof node === 'string') return node;
    if (typeof node === 'object' && node !== null) {
      const join = (node as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
      if (join) return join[1].map(flatten).join(join[0]);
      if ('Ref' in node) return `<${flatten(node.Ref)}>`;
    }
    return JSON.stringify(node);
  };
  return `Resource::${flatten(Stack.of(scope).resolve(arn))}`;
}

/**
 * CORS for the shop's front end: the configured origins, the routes' methods, and the headers
 * its auth mode needs. No origins, no CORS: browsers then refuse cross-origin calls.
 */
function corsFor(origins: readonly string[], routes: readonly MemberApiRouteSpec[], auth: MemberApiAuth): CorsPreflightOptions | undefined {
  if (origins.length === 0) return undefined;
  const methods = [...new Set(routes.map((route) => route.method))].sort();
  return {
    allowOrigins: [...origins],
    allowMethods: methods.map((method) => CorsHttpMethod[method]),
    allowHeaders: auth === 'iam' ? SIGV4_HEADERS : ['content-type', MEMBER_API_KEY_HEADER],
    // No cookies: credentials travel in headers, so browsers need not send cookies along.
    allowCredentials: false,
    maxAge: Duration.hours(1),
  };
}
