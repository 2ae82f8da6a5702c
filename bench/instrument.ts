import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ProgramConfig } from '../functions/config/program';
import { createHandlers } from '../functions/handlers/registry';
import { type DeadLetter, noMetrics, silentLogger, systemClock } from '../functions/runtime/ports';

/**
 * The size DynamoDB bills an item at, estimated from its document form by the published rules
 * (attribute names and strings in UTF-8 bytes, numbers 1 byte per two significant digits plus 1,
 * 3 bytes of overhead per list or map and 1 per element):
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html
 */
export function dynamoItemBytes(item: Record<string, unknown>): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(item)) bytes += Buffer.byteLength(name) + valueBytes(value);
  return bytes;
}

function valueBytes(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (typeof value === 'number' || typeof value === 'bigint') {
    const digits = String(value).replace(/[-.]/g, '').replace(/^0+/, '').replace(/0+$/, '').length;
    return Math.ceil(Math.max(digits, 1) / 2) + 1;
  }
  if (typeof value === 'boolean' || value === null || value === undefined) return 1;
  if (value instanceof Uint8Array) return value.byteLength;
  if (value instanceof Set) return [...value].reduce((s: number, v) => s + valueBytes(v), 0);
  if (Array.isArray(value)) return 3 + value.reduce((s: number, v) => s + 1 + valueBytes(v), 0);
  if (typeof value === 'object') {
    return 3 + Object.entries(value).reduce((s, [k, v]) => s + 1 + Buffer.byteLength(k) + valueBytes(v), 0);
  }
  return 0;
}

/** The items a read call answered with: a Query's page, a GetItem's item, a BatchGetItem's responses. */
function itemsOf(output: Record<string, unknown>): Record<string, unknown>[] {
  if (Array.isArray(output.Items)) return output.Items as Record<string, unknown>[];
  if (output.Item && typeof output.Item === 'object') return [output.Item as Record<string, unknown>];
  if (output.Responses && typeof output.Responses === 'object' && !Array.isArray(output.Responses)) {
    return Object.values(output.Responses as Record<string, Record<string, unknown>[]>).flat();
  }
  return [];
}

export interface InstrumentOptions {
  /** Also count the items read calls return and estimate their bytes (costs CPU: off for throughput figures). @default false */
  readonly measureItems?: boolean;
}

/**
 * Counts DynamoDB round trips and consumed capacity on a real client, for the benchmark only:
 * it asks every call for `ReturnConsumedCapacity: TOTAL` and adds up what comes back.
 */
export function instrumentDynamo(doc: DynamoDBDocumentClient, options: InstrumentOptions = {}) {
  const totals = {
    calls: new Map<string, number>(),
    millis: new Map<string, number>(),
    readUnits: 0,
    writeUnits: 0,
    itemsRead: 0,
    bytesRead: 0,
  };
  doc.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as Record<string, unknown>;
      input.ReturnConsumedCapacity ??= 'TOTAL';
      const name = context.commandName ?? 'unknown';
      totals.calls.set(name, (totals.calls.get(name) ?? 0) + 1);
      const started = performance.now();
      const result = await next(args);
      totals.millis.set(name, (totals.millis.get(name) ?? 0) + performance.now() - started);
      if (options.measureItems) {
        const items = itemsOf(result.output as Record<string, unknown>);
        totals.itemsRead += items.length;
        totals.bytesRead += items.reduce((s, item) => s + dynamoItemBytes(item), 0);
      }
      const consumed = (result.output as { ConsumedCapacity?: unknown }).ConsumedCapacity;
      for (const c of Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) {
        const cap = c as { ReadCapacityUnits?: number; WriteCapacityUnits?: number; CapacityUnits?: number };
        // DynamoDB reports reads and writes apart for transactions; plain calls report one total.
        if (cap.ReadCapacityUnits !== undefined || cap.WriteCapacityUnits !== undefined) {
          totals.readUnits += cap.ReadCapacityUnits ?? 0;
          totals.writeUnits += cap.WriteCapacityUnits ?? 0;
        } else if (/Query|Get|Scan/.test(name)) totals.readUnits += cap.CapacityUnits ?? 0;
        else totals.writeUnits += cap.CapacityUnits ?? 0;
      }
      return result;
    },
    { step: 'initialize', name: 'benchCapacity' },
  );
  return {
    totals,
    reset() {
      totals.calls.clear();
      totals.millis.clear();
      totals.readUnits = 0;
      totals.writeUnits = 0;
      totals.itemsRead = 0;
      totals.bytesRead = 0;
    },
    roundTrips: () => [...totals.calls.values()].reduce((s, n) => s + n, 0),
  };
}

/** Runs `tasks` with at most `concurrency` in flight; returns the elapsed milliseconds. */
export async function runPool(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<number> {
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await task(next++);
    }),
  );
  return performance.now() - started;
}

/**
 * Lojal's real bus-event handlers on a bench table, with the deps every bench gives them. A
 * dead-lettered event costs no write and would flatter a rate, so by default it stops the run.
 */
export function benchHandlers(
  what: string,
  doc: DynamoDBDocumentClient,
  config: ProgramConfig,
  tableName: string,
  deadLetter: (letter: DeadLetter) => Promise<void> = async (letter) => {
    throw new Error(`${what} bench: an event was dead-lettered: ${letter.error}`);
  },
) {
  return createHandlers({
    config,
    dynamo: doc,
    tableName,
    clock: systemClock,
    logger: silentLogger,
    metrics: noMetrics,
    deadLetters: { deadLetter },
  });
}
