import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { busEvent } from '../support/deps';
import { addressFor, inboxOf, mailTestbed } from '../support/mail';

/*
 * How many DynamoDB requests the sender makes per mail, counted on the client it is given (a
 * behaviour, not a timing): one BatchGetItem for the record, the profile and the cap or the
 * balance; the claim's transaction (with the cap and the suppression check); the transaction
 * that marks it sent and logs it. The benchmark prints the same count (bench/emails.ts).
 */

/** Counts the requests `doc` sends by command name, from now on. */
function countRequests(doc: DynamoDBDocumentClient) {
  const calls = new Map<string, number>();
  let counting = false;
  doc.middlewareStack.add(
    (next, context) => async (args) => {
      const name = context.commandName ?? 'unknown';
      if (counting) calls.set(name, (calls.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'countMailRequests' },
  );
  return {
    /** Counts the requests made while `work` runs. */
    async during<T>(work: () => Promise<T>): Promise<{ result: T; calls: Record<string, number> }> {
      calls.clear();
      counting = true;
      try {
        return { result: await work(), calls: Object.fromEntries(calls) };
      } finally {
        counting = false;
      }
    },
  };
}

describe('Mail sender round trips', () => {
  it('a marketing mail (birthday) costs three DynamoDB round trips: one read, the claim, the record', async () => {
    // Prepare: a member who consented to marketing, and the greeting queued.
    const bed = await mailTestbed();
    const to = addressFor('rt-birthday');
    await bed.handlers['customer-registered'](
      busEvent('customer.registered', { customerId: 'c1', email: to, registeredAt: bed.clock.now().toISOString(), marketingConsent: true }),
    );
    await bed.handlers['birthday-email'](
      busEvent(
        'customer.birthday',
        { idempotencyKey: 'birthday:c1:2027-03-10', customerId: 'c1', date: '2027-03-10', bonusPoints: 200 },
        'lojal',
      ),
    );
    const counter = countRequests(bed.table.doc);

    // Act
    const { result, calls } = await counter.during(() => bed.drain());

    // Assess
    expect(result).toEqual([expect.objectContaining({ outcome: 'sent' })]);
    expect(calls).toEqual({ BatchGetItemCommand: 1, TransactWriteItemsCommand: 2 });
    expect(await inboxOf(to)).toHaveLength(1);
  });

  it('a service mail that shows the balance (welcome) costs three as well, the balance read with the profile', async () => {
    // Prepare
    const bed = await mailTestbed();
    const to = addressFor('rt-welcome');
    await bed.handlers['welcome-email'](
      busEvent('customer.registered', { customerId: 'c2', email: to, registeredAt: bed.clock.now().toISOString() }),
    );
    const counter = countRequests(bed.table.doc);

    // Act
    const { result, calls } = await counter.during(() => bed.drain());

    // Assess
    expect(result).toEqual([expect.objectContaining({ outcome: 'sent' })]);
    expect(calls).toEqual({ BatchGetItemCommand: 1, TransactWriteItemsCommand: 2 });
  });

  it('a redelivered request for a mail already sent costs one read and sends nothing', async () => {
    // Prepare: the welcome sent once, its request kept for a second delivery.
    const bed = await mailTestbed();
    const to = addressFor('rt-again');
    await bed.handlers['welcome-email'](
      busEvent('customer.registered', { customerId: 'c3', email: to, registeredAt: bed.clock.now().toISOString() }),
    );
    const [job] = bed.queue.jobs;
    await bed.drain();
    const counter = countRequests(bed.table.doc);

    // Act
    const { result, calls } = await counter.during(() => bed.send({ body: JSON.stringify(job), receiveCount: 2 }));

    // Assess
    expect(result).toEqual({ outcome: 'duplicate' });
    expect(calls).toEqual({ BatchGetItemCommand: 1 });
    expect(await inboxOf(to)).toHaveLength(1);
  });
});
