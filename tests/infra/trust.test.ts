import { spawnSync } from 'node:child_process';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AccountPrincipal, ArnPrincipal } from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { MEMBER_API_ROUTES } from '../../functions/api/routes';
import type { MemberApiRouteSpec } from '../../functions/contract/member-api';
import { loadClient } from '../../lib/load-client';
import { LojalStack } from '../../lib/lojal-stack';
import { wildcardReason } from '../../lib/member-api';
import { InvalidTrustContextError, trustFromContext } from '../../lib/trust';

type Resource = { Properties: Record<string, any> };

const PUBLISHER = '111111111111';
const CALLER = '222222222222';
const contextOf = (values: Record<string, string>) => (key: string) => values[key];
const errorOf = (values: Record<string, string>) => {
  try {
    trustFromContext(contextOf(values));
  } catch (error) {
    return error as Error;
  }
  throw new Error('no error');
};
const routes = MEMBER_API_ROUTES as readonly MemberApiRouteSpec[];

describe('Function: trustFromContext (cdk synth -c …)', () => {
  it('refuses a foreign publisher account without an external id, saying what to pass instead', () => {
    const error = errorOf({ publisherAccount: PUBLISHER });

    expect(error).toBeInstanceOf(InvalidTrustContextError);
    expect(error.message).toContain('-c publisherExternalId=<id>');
    expect(error.message).toContain(`arn:aws:iam::${PUBLISHER}:role/<name>`);
  });

  it('trusts a foreign account with its external id, or one role by its ARN without one', () => {
    const withId = trustFromContext(contextOf({ publisherAccount: PUBLISHER, publisherExternalId: 'shop-42-x' }));
    expect(withId.publisherPrincipal).toBeInstanceOf(AccountPrincipal);
    expect(withId.publisherExternalId).toBe('shop-42-x');
    expect(withId.callerPrincipal).toBeUndefined();

    const role = `arn:aws:iam::${PUBLISHER}:role/webshop-sender`;
    const byRole = trustFromContext(contextOf({ publisherAccount: role }));
    expect(byRole.publisherPrincipal).toBeInstanceOf(ArnPrincipal);
    expect((byRole.publisherPrincipal as ArnPrincipal).arn).toBe(role);
    expect(byRole.publisherExternalId).toBeUndefined();
  });

  it.each([
    ['a short account id', { publisherAccount: '12345' }, /publisherAccount must be a 12-digit/],
    ['a user ARN', { publisherAccount: `arn:aws:iam::${PUBLISHER}:user/bob` }, /publisherAccount must be/],
    ['an external id with a space', { publisherAccount: PUBLISHER, publisherExternalId: 'a b' }, /publisherExternalId must be/],
    ['a caller account without its external id', { memberApiCallerAccount: CALLER }, /memberApiCallerExternalId=<id>/],
    ['a caller external id without a caller', { memberApiCallerExternalId: 'x-1' }, /needs memberApiCallerAccount/],
  ])('refuses %s, naming the context key', (_, values, message) => {
    const error = errorOf(values);
    expect(error).toBeInstanceOf(InvalidTrustContextError);
    expect(error.message).toMatch(message);
  });

  it('gives the member API caller its own principal and external id when asked', () => {
    const trust = trustFromContext(
      contextOf({
        publisherAccount: PUBLISHER,
        publisherExternalId: 'pub-id',
        memberApiCallerAccount: CALLER,
        memberApiCallerExternalId: 'call-id',
      }),
    );
    expect((trust.publisherPrincipal as AccountPrincipal).accountId).toBe(PUBLISHER);
    expect((trust.callerPrincipal as AccountPrincipal).accountId).toBe(CALLER);
    expect(trust.callerExternalId).toBe('call-id');
  });
});

describe('bin/app.ts', () => {
  it('refuses `cdk synth -c publisherAccount=…` without -c publisherExternalId, with one line and exit 1', () => {
    const result = spawnSync('npx', ['tsx', 'bin/app.ts'], {
      encoding: 'utf8',
      env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify({ client: 'demo', publisherAccount: PUBLISHER }) },
      timeout: 60_000,
    });

    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toMatch(
      /^Context publisherAccount=111111111111 trusts a whole AWS account, so it needs -c publisherExternalId/,
    );
  }, 70_000);
});

describe('the caller role apart from the publisher role', () => {
  let template: Template;
  let stack: LojalStack;

  beforeAll(async () => {
    const client = await loadClient('demo');
    stack = new LojalStack(new App(), 'Lojal-demo', {
      client,
      ...trustFromContext(
        contextOf({
          publisherAccount: PUBLISHER,
          publisherExternalId: 'pub-id',
          memberApiCallerAccount: CALLER,
          memberApiCallerExternalId: 'call-id',
        }),
      ),
    });
    template = Template.fromStack(stack);
  }, 240_000);

  const trustOf = (role: { node: { defaultChild?: unknown } }) => {
    const id = stack.getLogicalId(role.node.defaultChild as never);
    return (template.findResources('AWS::IAM::Role')[id] as Resource).Properties.AssumeRolePolicyDocument.Statement;
  };
  const statementsOf = (role: { node: { defaultChild?: unknown } }) => {
    const id = stack.getLogicalId(role.node.defaultChild as never);
    return Object.values(template.findResources('AWS::IAM::Policy') as Record<string, Resource>)
      .filter((p) => JSON.stringify(p.Properties.Roles).includes(`"${id}"`))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as { Action: string | string[] }[]);
  };

  it('lets each account assume only its own role, with its own external id', () => {
    const principalOf = (account: string) => ({
      AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${account}:root`]] },
    });
    expect(trustOf(stack.publisher.role)).toEqual([
      {
        Effect: 'Allow',
        Action: 'sts:AssumeRole',
        Principal: principalOf(PUBLISHER),
        Condition: { StringEquals: { 'sts:ExternalId': 'pub-id' } },
      },
    ]);
    expect(trustOf(stack.memberApi.callerRole!)).toEqual([
      {
        Effect: 'Allow',
        Action: 'sts:AssumeRole',
        Principal: principalOf(CALLER),
        Condition: { StringEquals: { 'sts:ExternalId': 'call-id' } },
      },
    ]);
  });

  it('gives the publisher PutEvents and no API, and the caller the API and no PutEvents', () => {
    const publisher = statementsOf(stack.publisher.role).flatMap((s) => [s.Action].flat());
    const caller = statementsOf(stack.memberApi.callerRole!).flatMap((s) => [s.Action].flat());
    expect(publisher).toContain('events:PutEvents');
    expect(publisher).not.toContain('execute-api:Invoke');
    expect(caller).toEqual(['execute-api:Invoke']);
  });

  it('finds no unacknowledged cdk-nag findings with the reworded wildcard reasons', () => {
    expect(new AwsSolutionsChecks().validateScope(stack).violations).toEqual([]);
  });
});

describe("the cdk-nag reason for the caller role's execute-api wildcards", () => {
  const byPath = (path: string) => routes.find((r) => r.path === path && r.method === 'GET')!;

  it("names what the member route's wildcard also matches, since an execute-api `*` matches `/` too", () => {
    const reason = wildcardReason(byPath('/v1/members/{customerId}'), routes);
    expect(reason).toContain('stands for {customerId}');
    expect(reason).toContain('GET /v1/members/{customerId}/ledger');
    expect(reason).toContain('GET /v1/members/{customerId}/unsubscribe (public)');
    expect(reason).not.toMatch(/only wildcard stands for the customer id/);
  });

  it('names the parameter a wildcard stands for, and acknowledges nothing for a route without one', () => {
    expect(wildcardReason(byPath('/v1/flows/{flowId}'), routes)).toContain('stands for {flowId} and matches no other route');
    expect(wildcardReason(byPath('/v1/program/report'), routes)).toBeUndefined();
  });
});
