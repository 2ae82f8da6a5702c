import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { ensureTable, localDynamoClients } from '../../local/services/dynamodb';

/** A fresh table in the run's DynamoDB Local, created from the same definition the stack deploys. */
export async function createTestTable(prefix = 'test') {
  const endpoint = inject('dynamoEndpoint');
  const { client, doc } = localDynamoClients(endpoint);
  const tableName = `${prefix}-${randomUUID().slice(0, 8)}`;
  await ensureTable(client, tableName);
  return { endpoint, client, doc, tableName };
}
