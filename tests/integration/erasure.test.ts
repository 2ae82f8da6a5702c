import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { TimelineStore } from '../../functions/adapters/dynamo/timeline-store';
import { dueEventFor } from '../../functions/domain/timeline';
import { apiRequest } from '../support/api';
import { busEvent } from '../support/deps';
import { addressFor, inboxOf, mailTestbed } from '../support/mail';

/**
 * Erasure (docs/security.md, "Erasure"): after `customer.deleted` nothing personal is left for
 * the member anywhere in the table, while the accounting (ledger entries, balance) stays. (With
 * B2B pooling the pool's own bookkeeping keeps the company's account id: docs/security.md.)
 */

type Testbed = Awaited<ReturnType<typeof mailTestbed>>;

/** Every item of the table, read whole (the table is this test's own). */
async function scanTable(bed: Testbed): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await bed.table.doc.send(new ScanCommand({ TableName: bed.table.tableName, ExclusiveStartKey: start }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/** Every string anywhere in a value (attribute names included), for a search that no nesting can hide from. */
function stringsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (value instanceof Set) return [...value].flatMap(stringsOf);
  if (Array.isArray(value)) return value.flatMap(stringsOf);
  if (typeof value === 'object' && value !== null) return Object.entries(value).flatMap(([k, v]) => [k, ...stringsOf(v)]);
  return [];
}

/** A short value (a locale) counts only whole; a longer one (an address, a name) anywhere in a string. */
const holds = (s: string, value: string) => s === value || (value.length > 5 && s.includes(value));

const call = async (bed: Testbed, method: string, url: string) => {
  const { pathname, searchParams } = new URL(url);
  const result = (await bed.api(apiRequest(method, pathname, Object.fromEntries(searchParams)))) as APIGatewayProxyStructuredResultV2;
  return result.statusCode;
};

describe('Erasure', () => {
  it('after customer.deleted nothing personal is left for the member anywhere in the table; the ledger stays', async () => {
    // Prepare: a member with every profile field, a named order, a welcome mail and a check-in
    // mail sent, and the check-in answered.
    const bed = await mailTestbed({ start: '2027-03-10T09:00:00Z' });
    const email = addressFor('erase');
    const personal = {
      email,
      firstName: 'Ingegerd',
      locale: 'en',
      timeZone: 'America/Halifax',
      birthday: '1984-07-19',
      accountId: 'acme-consulting-ab',
      registeredAt: '2027-03-10T08:17:43.000Z',
    };
    const registered = busEvent('customer.registered', { customerId: 'c1', ...personal, marketingConsent: true });
    await bed.handlers['customer-registered'](registered);
    await bed.handlers['welcome-email'](registered);
    bed.clock.set('2027-03-10T13:00:00Z');
    await bed.handlers['order-placed'](
      busEvent('order.placed', {
        orderId: 'o1',
        customerId: 'c1',
        placedAt: '2027-03-10T10:00:00Z',
        currency: 'SEK',
        accountId: personal.accountId,
        lines: [{ sku: 'TR3', category: 'running-shoes', quantity: 1, unitPrice: 129_900, name: 'Vindöga Trail Runner' }],
      }),
    );
    const items = await new TimelineStore(bed.table.doc, bed.table.tableName).list('c1', true);
    const checkin = items.find((item) => item.itemId === 'checkin:o1')!;
    bed.clock.set(checkin.dueAt);
    const due = dueEventFor(checkin);
    await bed.handlers['checkin-email'](busEvent(due.detailType, due.detail, 'lojal'));
    expect(await bed.drain()).toEqual([expect.objectContaining({ outcome: 'sent' }), expect.objectContaining({ outcome: 'sent' })]);
    const mails = await inboxOf(email);
    const subjects = mails.map((mail) => mail.subject);
    expect(subjects).toHaveLength(2);
    const link = [...mails[1]!.body.html!.matchAll(/href="([^"]+\/checkin\?[^"]+)"/g)].map((m) => m[1]!.replaceAll('&amp;', '&'))[9]!;
    expect(await call(bed, 'POST', link)).toBe(200);
    const before = stringsOf(await scanTable(bed));
    // The probe works: each personal value is in the table before the erasure.
    for (const value of [...Object.values(personal), 'Vindöga Trail Runner', ...subjects]) {
      expect(before.some((s) => holds(s, value))).toBe(true);
    }
    expect(await bed.store.checkinAnswer('c1', 'o1')).toMatchObject({ score: 9 });

    // Act: the shop erases the member (twice, as EventBridge may deliver it).
    const deleted = busEvent('customer.deleted', { customerId: 'c1', deletedAt: bed.clock.now().toISOString() });
    await bed.handlers['customer-deleted'](deleted);
    await bed.handlers['customer-deleted'](deleted);

    // Assess: no personal value in any attribute of any item; no check-in answer.
    const after = await scanTable(bed);
    const strings = stringsOf(after);
    for (const value of [...Object.values(personal), 'Vindöga Trail Runner', 'Vindöga', ...subjects]) {
      expect(strings.filter((s) => holds(s, value))).toEqual([]);
    }
    expect(await bed.store.checkinAnswer('c1', 'o1')).toBeUndefined();
    expect(after.filter((item) => String(item.sk).startsWith('NPS#'))).toEqual([]);
    // The accounting stays: the order's ledger entry and the balance.
    const member = (await bed.api(apiRequest('GET', '/v1/members/c1'))) as APIGatewayProxyStructuredResultV2;
    expect(JSON.parse(String(member.body))).toMatchObject({ balance: 2_598 });
    expect(after.some((item) => String(item.sk).includes('#order#o1'))).toBe(true);
    // The sent-mail log lines stay (the member API shows them) without their subjects, and expire.
    const log = after.filter((item) => String(item.sk).startsWith('MAILLOG#'));
    expect(log).toHaveLength(2);
    for (const line of log) expect(line.expiresAt).toEqual(expect.any(Number));
  });

  it('a late registration or update from before the deletion brings nothing personal back', async () => {
    const bed = await mailTestbed({ start: '2027-03-10T09:00:00Z' });
    await bed.handlers['customer-deleted'](busEvent('customer.deleted', { customerId: 'c2', deletedAt: '2027-03-10T08:00:00Z' }));
    await bed.handlers['customer-registered'](
      busEvent('customer.registered', {
        customerId: 'c2',
        email: 'late@example.com',
        registeredAt: '2027-03-01T08:00:00Z',
        locale: 'en',
        timeZone: 'America/Halifax',
        accountId: 'late-account',
      }),
    );
    await bed.handlers['customer-updated'](
      busEvent('customer.updated', { customerId: 'c2', updatedAt: '2027-03-05T08:00:00Z', firstName: 'Late', timeZone: 'Asia/Tokyo' }),
    );

    const strings = stringsOf(await scanTable(bed));
    for (const value of ['late@example.com', '2027-03-01T08:00:00', 'America/Halifax', 'Asia/Tokyo', 'late-account', 'Late']) {
      expect(strings.filter((s) => holds(s, value))).toEqual([]);
    }
  });
});
