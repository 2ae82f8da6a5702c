import { randomUUID } from 'node:crypto';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
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

/** A letter of the local dead-letter queue as `GET /_local/dead-letters` lists it. */
export interface ListedDeadLetter {
  readonly detailType: string;
  readonly field?: string;
  readonly error: string;
  readonly event: { readonly id: string };
}

/**
 * The doors a test uses on a running local copy: its HTTP API (JSON answers), the clock barrier
 * (answers once all earlier accepted work is done), the dead letters, and one raw PutEvents
 * entry through the real EventBridge client followed by the barrier.
 */
export function localDoors(local: LocalCopy, eventBridge: EventBridgeClient) {
  const api = async (path: string, init?: RequestInit) => {
    const response = await fetch(`${local.urls.api}${path}`, init);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const barrier = () =>
    api('/_local/clock', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advance: 'PT0S' }) });
  const deadLetters = async () => (await api('/_local/dead-letters')).body.items as ListedDeadLetter[];
  /** Puts one raw entry and waits for its delivery; returns the PutEvents result entry. */
  const putRaw = async (DetailType: string, Detail: string, Source = 'webshop') => {
    const result = await eventBridge.send(new PutEventsCommand({ Entries: [{ Source, DetailType, Detail }] }));
    await barrier();
    return result.Entries?.[0] ?? {};
  };
  return { api, barrier, deadLetters, putRaw };
}

/** JSON nested `depth` levels, in arrays so 100 000 levels stay under the 256 KB entry limit. */
export const nestedJson = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
