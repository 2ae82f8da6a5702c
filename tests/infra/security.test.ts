import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { JOB_NAMES } from '../../functions/contract/jobs';
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
  const found = Object.values(resources('AWS::Lambda::Function')).find((f) => f.Properties.FunctionName === `lojal-${client.config.clientId}-${name}`);
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
