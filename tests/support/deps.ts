import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import demo from '../../clients/demo';
import { parseProgramConfig, type ProgramConfig } from '../../functions/config/program';
import type { HandlerDeps } from '../../functions/handlers/registry';
import type { BusEvent, Clock, DeadLetter } from '../../functions/runtime/ports';
import { silentLogger } from '../../functions/runtime/ports';

export const demoConfig: ProgramConfig = parseProgramConfig(demo, 'clients/demo.ts');

/** A clock tests move by hand. */
export function manualClock(start = '2026-01-01T00:00:00Z'): Clock & { set(iso: string): void } {
  let now = Date.parse(start);
  return { now: () => new Date(now), set: (iso) => (now = Date.parse(iso)) };
}

export interface RecordingDeps extends HandlerDeps {
  readonly deadLettered: DeadLetter[];
  readonly metricsSeen: Map<string, number>;
}

export function testDeps(doc: DynamoDBDocumentClient, tableName: string, config: ProgramConfig = demoConfig): RecordingDeps {
  const deadLettered: DeadLetter[] = [];
  const metricsSeen = new Map<string, number>();
  return {
    config,
    dynamo: doc,
    tableName,
    clock: manualClock('2027-06-01T00:00:00Z'),
    logger: silentLogger,
    metrics: { addMetric: (name, _unit, value) => metricsSeen.set(name, (metricsSeen.get(name) ?? 0) + value) },
    deadLetters: { deadLetter: async (letter) => void deadLettered.push(letter) },
    deadLettered,
    metricsSeen,
  };
}

/** `order.placed` for one line of socks (×1, no lifespan) worth `sek` whole SEK: `sek` points at the Red tier. */
export function socksOrder(customerId: string, orderId: string, sek: number, placedAt: string): BusEvent {
  return busEvent('order.placed', {
    orderId,
    customerId,
    placedAt,
    currency: 'SEK',
    lines: [{ sku: `sku-${orderId}`, category: 'socks', quantity: 1, unitPrice: sek * 100 }],
  });
}

let counter = 0;
/** An EventBridge event as a rule target receives it. */
export function busEvent(detailType: string, detail: unknown, source = 'webshop'): BusEvent {
  return {
    version: '0',
    id: `evt-${++counter}`,
    source,
    'detail-type': detailType,
    time: new Date().toISOString(),
    account: '000000000000',
    region: 'eu-north-1',
    resources: [],
    detail,
  };
}

/**
 * Business times are bounded by Lojal's clock (issue 12.4): an event cannot arrive before it
 * happened. Tests that deliver events dated after their clock's reading call this first; it
 * moves `clock` forward to the latest `...At` time in `detail`, never back.
 */
export function arriveAfterBusinessTime(clock: Clock & { set(iso: string): void }, detail: unknown): void {
  if (typeof detail !== 'object' || detail === null) return;
  const times = Object.entries(detail)
    .filter(([k, v]) => /At$/.test(k) && typeof v === 'string')
    .map(([, v]) => Date.parse(String(v)))
    .filter((t) => !Number.isNaN(t));
  const latest = Math.max(...times);
  if (times.length > 0 && latest > clock.now().getTime()) clock.set(new Date(latest).toISOString());
}
