import { App, Validations } from 'aws-cdk-lib';
import { AccountPrincipal } from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { InvalidProgramConfigError } from '../functions/config/program';
import { type LoadedClient, UnknownClientError, loadClient } from '../lib/load-client';
import { LojalStack } from '../lib/lojal-stack';

/**
 * One stack per client: `cdk synth -c client=NAME` deploys `clients/NAME.ts` as `Lojal-<clientId>`.
 * Optional context: `publisherAccount=<12-digit account id>` and `publisherExternalId=<id>`
 * for a webshop that sends from another AWS account.
 */
const app = new App();
const clientName = contextString('client') ?? 'demo';

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

const publisherAccount = contextString('publisherAccount');
if (publisherAccount !== undefined && !/^\d{12}$/.test(publisherAccount)) {
  console.error(`Context publisherAccount must be a 12-digit AWS account id, got "${publisherAccount}"`);
  process.exit(1);
}

new LojalStack(app, `Lojal-${client.config.clientId}`, {
  client,
  publisherPrincipal: publisherAccount === undefined ? undefined : new AccountPrincipal(publisherAccount),
  publisherExternalId: contextString('publisherExternalId'),
});

// Every finding fails synthesis unless acknowledged on its construct with a reason.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

function contextString(key: string): string | undefined {
  const value: unknown = app.node.tryGetContext(key);
  return typeof value === 'string' && value !== '' ? value : undefined;
}
