import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { InvalidProgramConfigError } from '../functions/config/program';
import { type LoadedClient, UnknownClientError, loadClient } from '../lib/load-client';
import { InvalidDataKeyError, LojalStack } from '../lib/lojal-stack';
import { InvalidMemberApiPropsError } from '../lib/member-api';
import { type CrossAccountTrust, InvalidTrustContextError, trustFromContext } from '../lib/trust';

/**
 * One stack per client: `cdk synth -c client=NAME` deploys `clients/NAME.ts` as `Lojal-<clientId>`.
 * Optional context for a webshop in another AWS account (lib/trust.ts, docs/deploying.md):
 * `publisherAccount=<account id or role ARN>` with `publisherExternalId=<id>` (required for an
 * account id), and `memberApiCallerAccount` / `memberApiCallerExternalId` for a caller of the
 * member API other than the publisher; `dataKeyArn=<KMS key ARN>` for the client's customer-managed
 * key (table, queues, log groups; lib/data-key.ts).
 */
const app = new App();
const clientName = contextString('client') ?? 'demo';

let trust: CrossAccountTrust;
try {
  trust = trustFromContext(contextString);
} catch (error) {
  if (!(error instanceof InvalidTrustContextError)) throw error;
  console.error(error.message);
  process.exit(1);
}

let client: LoadedClient;
try {
  client = await loadClient(clientName);
} catch (error) {
  if (error instanceof InvalidProgramConfigError || error instanceof UnknownClientError) {
    // One line naming the field, instead of a stack trace through the CDK.
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}

try {
  new LojalStack(app, `Lojal-${client.config.clientId}`, { client, ...trust, dataKeyArn: contextString('dataKeyArn') });
} catch (error) {
  // E.g. -c memberApiCallerAccount for a client whose member API uses an API key (so no caller role), or a bad dataKeyArn.
  if (!(error instanceof InvalidMemberApiPropsError || error instanceof InvalidDataKeyError)) throw error;
  console.error(error.message);
  process.exit(1);
}

// Every finding fails synthesis unless acknowledged on its construct with a reason.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

function contextString(key: string): string | undefined {
  const value: unknown = app.node.tryGetContext(key);
  return typeof value === 'string' && value !== '' ? value : undefined;
}
