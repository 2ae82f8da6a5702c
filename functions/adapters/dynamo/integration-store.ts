import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { ParkedRefund, ProductFact } from '../../integrations/translation';
import { memberPk } from './keys';

/**
 * What the webshop receivers remember, in the client's table: deliveries already handled (for
 * the webhook-id dedupe), product facts (for categories), which customer an order belongs to,
 * and refunds waiting for their order. Keys (ids percent-encoded):
 * - `SHOP#<platform>#DELIVERY#<id>` / `DONE`, expiring after `DELIVERY_MEMORY_DAYS`
 * - `SHOP#<platform>#PRODUCT#<id>` / `FACT`
 * - `SHOP#<platform>#ORDER#<id>` / `CUSTOMER`, and `PARKED#<refundId>` beside it
 * - `SHOP#<platform>#DATAREQUEST#<id>` / `PART#0000`, … the answer to a data request as JSON
 *   text in parts under DynamoDB's 400 KB item limit, expiring after `DATA_REQUEST_DAYS`
 */

export type Platform = 'shopify' | 'woocommerce';

/** Shopify retries a failed delivery for 48 hours and WooCommerce for less; a month is ample. */
export const DELIVERY_MEMORY_DAYS = 30;

/** Shopify gives an app 30 days to answer a data request; the answer is kept for the operator a little longer. */
export const DATA_REQUEST_DAYS = 45;
/** Characters of export JSON per item: DynamoDB items hold at most 400 KB, and UTF-8 may take 3 bytes a character. */
const EXPORT_PART_CHARS = 120_000;

const part = (id: string) => encodeURIComponent(id);
const pk = (platform: Platform, kind: string, id: string) => `SHOP#${platform}#${kind}#${part(id)}`;

export class IntegrationStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async deliveryHandled(platform: Platform, deliveryId: string): Promise<boolean> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: pk(platform, 'DELIVERY', deliveryId), sk: 'DONE' } }),
    );
    return Item !== undefined;
  }

  async markDeliveryHandled(platform: Platform, deliveryId: string, now: Date): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          pk: pk(platform, 'DELIVERY', deliveryId),
          sk: 'DONE',
          at: now.toISOString(),
          expiresAt: Math.floor(now.getTime() / 1000) + DELIVERY_MEMORY_DAYS * 86_400,
        },
      }),
    );
  }

  async putProducts(platform: Platform, facts: readonly ProductFact[], now: Date): Promise<void> {
    for (const fact of facts) {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: pk(platform, 'PRODUCT', fact.productId), sk: 'FACT', fact, at: now.toISOString() },
        }),
      );
    }
  }

  async product(platform: Platform, productId: string): Promise<ProductFact | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: pk(platform, 'PRODUCT', productId), sk: 'FACT' } }),
    );
    return readFact(Item?.fact);
  }

  async rememberOrder(platform: Platform, orderId: string, customerId: string): Promise<void> {
    await this.doc.send(
      new PutCommand({ TableName: this.tableName, Item: { pk: pk(platform, 'ORDER', orderId), sk: 'CUSTOMER', customerId } }),
    );
  }

  async customerOfOrder(platform: Platform, orderId: string): Promise<string | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: pk(platform, 'ORDER', orderId), sk: 'CUSTOMER' } }),
    );
    return typeof Item?.customerId === 'string' ? Item.customerId : undefined;
  }

  async parkRefund(platform: Platform, refund: ParkedRefund): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          pk: pk(platform, 'ORDER', refund.orderId),
          sk: `PARKED#${part(refund.refundId)}`,
          refundId: refund.refundId,
          detail: refund.detail,
        },
      }),
    );
  }

  async parkedRefunds(platform: Platform, orderId: string): Promise<ParkedRefund[]> {
    const { Items = [] } = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :parked)',
        ExpressionAttributeValues: { ':pk': pk(platform, 'ORDER', orderId), ':parked': 'PARKED#' },
      }),
    );
    return Items.flatMap((item) =>
      typeof item.refundId === 'string' && isRecord(item.detail) ? [{ orderId, refundId: item.refundId, detail: item.detail }] : [],
    );
  }

  async dropParkedRefund(platform: Platform, orderId: string, refundId: string): Promise<void> {
    await this.doc.send(
      new DeleteCommand({ TableName: this.tableName, Key: { pk: pk(platform, 'ORDER', orderId), sk: `PARKED#${part(refundId)}` } }),
    );
  }

  async saveDataRequest(platform: Platform, requestId: string, customerId: string, data: unknown, now: Date): Promise<void> {
    const text = JSON.stringify(data);
    const parts = Math.max(1, Math.ceil(text.length / EXPORT_PART_CHARS));
    const expiresAt = Math.floor(now.getTime() / 1000) + DATA_REQUEST_DAYS * 86_400;
    for (let i = 0; i < parts; i++) {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: pk(platform, 'DATAREQUEST', requestId),
            sk: `PART#${String(i).padStart(4, '0')}`,
            customerId,
            parts,
            at: now.toISOString(),
            body: text.slice(i * EXPORT_PART_CHARS, (i + 1) * EXPORT_PART_CHARS),
            expiresAt,
          },
        }),
      );
    }
  }

  /** The saved answer to a data request, parts joined, or undefined when there is none (or it expired). */
  async dataRequest(platform: Platform, requestId: string): Promise<unknown> {
    const { Items = [] } = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :part)',
        ExpressionAttributeValues: { ':pk': pk(platform, 'DATAREQUEST', requestId), ':part': 'PART#' },
        ConsistentRead: true,
      }),
    );
    if (Items.length === 0) return undefined;
    return JSON.parse(Items.map((item) => String(item.body ?? '')).join(''));
  }
}

/** Index and key attributes: how Lojal stores an item, not what it holds about the customer. */
const STORAGE_ATTRIBUTES = new Set(['pk', 'sk', 'duePk', 'dueSk', 'calPk', 'calSk', 'boardPk', 'boardSk', 'expiresAt', 'version']);

/**
 * Everything under the member's partition (profile, ledger, timeline, mail records), as the
 * answer to a data request (Shopify `customers/data_request`, GDPR art. 15).
 */
export async function exportMemberData(
  doc: DynamoDBDocumentClient,
  tableName: string,
  customerId: string,
): Promise<{ customerId: string; items: Record<string, unknown>[] }> {
  const items: Record<string, unknown>[] = [];
  let cursor: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': memberPk(customerId) },
        ConsistentRead: true,
        ExclusiveStartKey: cursor,
      }),
    );
    items.push(...(page.Items ?? []));
    cursor = page.LastEvaluatedKey;
  } while (cursor);
  return {
    customerId,
    items: items.map((item) => ({
      kind: String(item.sk ?? '').split('#')[0],
      ...Object.fromEntries(Object.entries(item).filter(([k]) => !STORAGE_ATTRIBUTES.has(k))),
    })),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readFact(value: unknown): ProductFact | undefined {
  if (!isRecord(value) || typeof value.productId !== 'string') return undefined;
  const strings = (v: unknown) => (Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : []);
  return {
    productId: value.productId,
    tags: strings(value.tags),
    categories: strings(value.categories),
    ...(typeof value.productType === 'string' ? { productType: value.productType } : {}),
  };
}
