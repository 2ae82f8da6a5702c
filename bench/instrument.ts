import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * Counts DynamoDB round trips and consumed capacity on a real client, for the benchmark only:
 * it asks every call for `ReturnConsumedCapacity: TOTAL` and adds up what comes back.
 */
export function instrumentDynamo(doc: DynamoDBDocumentClient) {
  const totals = { calls: new Map<string, number>(), millis: new Map<string, number>(), readUnits: 0, writeUnits: 0 };
  doc.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as Record<string, unknown>;
      input.ReturnConsumedCapacity ??= 'TOTAL';
      const name = context.commandName ?? 'unknown';
      totals.calls.set(name, (totals.calls.get(name) ?? 0) + 1);
      const started = performance.now();
      const result = await next(args);
      totals.millis.set(name, (totals.millis.get(name) ?? 0) + performance.now() - started);
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
