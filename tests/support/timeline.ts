import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { timelineRecord } from '../../functions/adapters/dynamo/timeline-store';
import type { PlannedItem } from '../../functions/domain/timeline';
import type { EventPublisher, LojalEvent, PublishResult } from '../../functions/runtime/event-publisher';

/** A publisher that records what it was asked to put; `failWith` makes the next calls throw. */
export class RecordingPublisher implements EventPublisher {
  readonly events: LojalEvent[] = [];
  calls = 0;
  private throwing: (() => Error) | undefined;

  /** Every later call throws, as a sweeper whose process dies would never get an answer. */
  failWith(error: () => Error): this {
    this.throwing = error;
    return this;
  }

  async publish(events: readonly LojalEvent[]): Promise<PublishResult> {
    this.calls++;
    if (this.throwing) throw this.throwing();
    this.events.push(...events);
    return { failed: [] };
  }

  itemIds(): string[] {
    return this.events.map((e) => String(e.detail.itemId));
  }
}

/** A check-in item due at `dueAt`, as the planner would make it. */
export function checkinDueAt(customerId: string, orderId: string, dueAt: string): PlannedItem {
  return {
    kind: 'checkin',
    itemId: `checkin:${orderId}`,
    customerId,
    orderId,
    placedAt: new Date(Date.parse(dueAt) - 30 * 86_400_000).toISOString(),
    anchor: `${new Date(Date.parse(dueAt) - 30 * 86_400_000).toISOString()}#${orderId}`,
    dueAt,
    status: 'pending',
    ageDays: 30,
    timeZone: 'Europe/Stockholm',
    products: [{ sku: 'shoe-1', category: 'running-shoes', name: 'Trail Runner 3' }],
  };
}

/**
 * Loads many planned items the way the store stores them (`timelineRecord`), 25 per
 * BatchWriteItem: far quicker than one conditional write each, for seeding only.
 */
export async function loadTimeline(
  doc: DynamoDBDocumentClient,
  tableName: string,
  items: readonly PlannedItem[],
  now: Date,
  concurrency = 8,
) {
  const batches: Record<string, unknown>[][] = [];
  for (let i = 0; i < items.length; i += 25) batches.push(items.slice(i, i + 25).map((item) => timelineRecord(item, now)));
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < batches.length) {
        let requests = (batches[next++] ?? []).map((Item) => ({ PutRequest: { Item } }));
        while (requests.length > 0) {
          const { UnprocessedItems } = await doc.send(new BatchWriteCommand({ RequestItems: { [tableName]: requests } }));
          requests = (UnprocessedItems?.[tableName] ?? []) as typeof requests;
        }
      }
    }),
  );
}
