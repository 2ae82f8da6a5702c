import { randomUUID } from 'node:crypto';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { inject } from 'vitest';
import { type LocalCopy, type LocalCopyOptions, startLocalCopy } from '../../local/local-copy';
import { demoConfig } from './deps';

/**
 * A local copy for a test file: the demo client, free ports, the run's shared DynamoDB Local
 * with a table of its own, and a frozen clock at `start`. `options` override any of these.
 */
export function startTestLocalCopy(name: string, start: string, options: LocalCopyOptions = {}): Promise<LocalCopy> {
  return startLocalCopy({
    config: demoConfig,
    port: 0,
    sesPort: 0,
    dynamoDbEndpoint: inject('dynamoEndpoint'),
    tableName: `${name}-${randomUUID().slice(0, 8)}`,
    clock: { start: new Date(start), frozen: true },
    ...options,
  });
}

/** The real EventBridge client pointed at a local copy, as a webshop would set it up. */
export function localEventBridge(local: LocalCopy): EventBridgeClient {
  return new EventBridgeClient({
    endpoint: local.urls.api,
    region: 'eu-north-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}
