import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import demo from '../../clients/demo';
import { parseProgramConfig } from '../../functions/config/program';
import { type LojalTestbed, startLojal } from '../../testkit';

/**
 * Member attributes and the `set` step through the whole local copy, with the test kit, as a
 * client's own tests would drive them: a client file that declares attributes, PutEvents, the
 * local clock, the member API and the dead letters.
 */

const config = parseProgramConfig(
  {
    ...demo,
    attributes: { favouriteSport: { enum: ['running', 'trail', 'gym'] }, shoeSize: 'number' },
    flows: [
      ...(demo.flows ?? []),
      {
        id: 'mark-runner',
        name: 'A running-shoe order makes the member a runner',
        trigger: { event: 'order.placed', where: { lines: { category: ['running-shoes'] } } },
        key: 'orderId',
        steps: [{ id: 'mark', set: { favouriteSport: 'running' } }],
      },
      {
        id: 'runners-news',
        name: 'Runners hear about the trail series',
        trigger: { schedule: { at: '2027-03-05T08:00:00Z' } },
        audience: { attributes: { favouriteSport: ['running'] } },
        steps: [{ id: 'tell-shop', emit: 'member.trail-series' }],
      },
    ],
  },
  'flow attributes (local)',
);

let lojal: LojalTestbed;

beforeAll(async () => {
  lojal = await startLojal({
    client: config,
    start: '2027-03-01T08:00:00Z',
    localCopy: { dynamoDbEndpoint: inject('dynamoEndpoint'), tableName: `flow-attributes-${randomUUID().slice(0, 8)}` },
  });
});

afterAll(async () => {
  await lojal?.stop();
});

describe('Member attributes on the local copy, through the test kit', () => {
  it('a flow sets an attribute a broadcast then selects on; a wrongly typed attribute is dead-lettered naming the field', {
    timeout: 120_000,
  }, async () => {
    const register = (customerId: string, favouriteSport: string) =>
      lojal.send('customer.registered', {
        customerId,
        email: `${customerId}@example.com`,
        registeredAt: lojal.now(),
        attributes: { favouriteSport, shoeSize: 43 },
      });
    await register('runa', 'trail');
    await register('gym-gus', 'gym');
    // Later than the registration: the set step's change is as of Lojal's clock (a tie would go to the larger value, 'trail').
    await lojal.advance('PT1H');
    await lojal.send('order.placed', {
      orderId: 'o-runa',
      customerId: 'runa',
      placedAt: lojal.now(),
      currency: 'SEK',
      lines: [{ sku: 'TR3-42', category: 'running-shoes', quantity: 1, unitPrice: 129_900, name: 'Trail Runner 3' }],
    });
    await lojal.send('customer.updated', { customerId: 'gym-gus', updatedAt: lojal.now(), attributes: { shoeSize: 'XL' } });
    expect(lojal.deadLetters()).toEqual([{ detailType: 'customer.updated', error: 'detail.attributes.shoeSize: must be a number' }]);

    await lojal.advance('P5D');

    expect(await lojal.runs('runa')).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ flowId: 'mark-runner', status: 'completed', path: ['mark'] }),
        expect.objectContaining({ flowId: 'runners-news', status: 'completed', path: ['tell-shop'] }),
      ]),
    );
    expect((await lojal.runs('gym-gus')).map((r) => r.flowId)).not.toContain('runners-news');
    expect(await lojal.counters('runners-news')).toMatchObject({ entered: 1, 'step:tell-shop': 1 });
  });
});
