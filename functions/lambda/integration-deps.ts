import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { LojalClient } from '../../sdk/src/client';
import { exportMemberData, IntegrationStore } from '../adapters/dynamo/integration-store';
import type { IngestDeps } from '../integrations/ingest';
import { sendWithClient } from '../integrations/send';
import { coreDeps } from './core';
import { requireEnv } from './env';

/**
 * What the webshop translators need in Lambda, built once per execution environment: the
 * table's integration memory and the typed client on the client bus (EVENT_BUS_NAME, granted
 * PutEvents with the webshop's sources only).
 */
const eventBridge = new EventBridgeClient({});
const eventBusName = requireEnv('EVENT_BUS_NAME');

export const ingestDeps: IngestDeps = {
  integrations: coreDeps.config.integrations,
  memory: new IntegrationStore(coreDeps.dynamo, coreDeps.tableName),
  send: sendWithClient((source) => new LojalClient({ eventBridge, eventBusName, source })),
  clock: coreDeps.clock,
  logger: coreDeps.logger,
  metrics: coreDeps.metrics,
  exportMember: (customerId) => exportMemberData(coreDeps.dynamo, coreDeps.tableName, customerId),
};
