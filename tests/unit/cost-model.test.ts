import { describe, expect, it } from 'vitest';
import { formatCostModel, type MeasuredCosts, monthlyCost, type PriceList, type UnitCost, US_EAST_1_PRICES } from '../../bench/cost-model';

/** Round prices, so every expected figure below is mental arithmetic. */
const prices: PriceList = {
  region: 'test-1',
  asOf: 'test',
  dynamoPerMillionWriteUnits: 1,
  dynamoPerMillionReadUnits: 0.5,
  dynamoPerGbMonth: 0.25,
  lambdaArmPerGbSecond: 0.00001,
  lambdaPerMillionRequests: 0.2,
  eventBridgePerMillionEvents: 1,
  sqsPerMillionRequests: 0.4,
  sesPerThousandMails: 0.1,
};
const none: UnitCost = { readUnits: 0, writeUnits: 0, lambdaInvocations: 0, lambdaMs: 0, events: 0, sqsRequests: 0, mails: 0 };
const noFixedLoad = { invocationsPerMonth: 0, msPerInvocation: 0 };
const measured = (over: Partial<MeasuredCosts> = {}): MeasuredCosts => ({
  order: none,
  mail: none,
  sweepItem: none,
  flowStep: none,
  bytesPerMember: 0,
  memoryMb: 1024,
  ...over,
});
const shop = {
  members: 1_000_000,
  ordersPerMemberMonth: 1,
  mailsPerMemberMonth: 0,
  sweepItemsPerMemberMonth: 0,
  flowStepsPerMemberMonth: 0,
};

describe('Function: monthlyCost', () => {
  it('prices request units per million: a million orders of 2 WRU and 4 RRU cost $2 + $2', () => {
    const cost = monthlyCost(prices, measured({ order: { ...none, writeUnits: 2, readUnits: 4 } }), shop, noFixedLoad);
    expect(cost.dynamoRequests).toBeCloseTo(4, 10);
    expect(cost.total).toBeCloseTo(4, 10);
  });

  it('prices Lambda by GB-second at the stated memory and per request', () => {
    // A million invocations of 100 ms at 512 MB: 50 000 GB-s × $0.00001 = $0.50, plus $0.20 of requests.
    const cost = monthlyCost(
      prices,
      measured({ order: { ...none, lambdaInvocations: 1, lambdaMs: 100 }, memoryMb: 512 }),
      shop,
      noFixedLoad,
    );
    expect(cost.lambda).toBeCloseTo(0.7, 10);
  });

  it('adds the scheduled jobs whatever the activity', () => {
    const idle = { ...shop, ordersPerMemberMonth: 0 };
    const cost = monthlyCost(prices, measured(), idle, { invocationsPerMonth: 1_000_000, msPerInvocation: 1000 });
    // 1 000 000 GB-s × $0.00001 + a million requests × $0.20 per million.
    expect(cost.lambda).toBeCloseTo(10.2, 10);
  });

  it('multiplies each unit by its own activity: mails, swept items and flow steps', () => {
    const cost = monthlyCost(
      prices,
      measured({
        mail: { ...none, mails: 1, sqsRequests: 1.2 },
        sweepItem: { ...none, events: 1 },
        flowStep: { ...none, events: 2 },
      }),
      { members: 10_000, ordersPerMemberMonth: 0, mailsPerMemberMonth: 2, sweepItemsPerMemberMonth: 5, flowStepsPerMemberMonth: 10 },
      noFixedLoad,
    );
    expect(cost.ses).toBeCloseTo(2, 10); // 20 000 mails × $0.10 per 1 000
    expect(cost.sqs).toBeCloseTo(0.0096, 10); // 24 000 requests × $0.40 per million
    expect(cost.eventBridge).toBeCloseTo(0.25, 10); // 50 000 + 200 000 events
    expect(cost.total).toBeCloseTo(2 + 0.0096 + 0.25, 10);
    expect(cost.perMember).toBeCloseTo(cost.total / 10_000, 12);
  });

  it('prices storage by GiB-month of the members\u2019 bytes', () => {
    const cost = monthlyCost(
      prices,
      measured({ bytesPerMember: 1024 ** 3 / 1_000_000 }),
      { ...shop, ordersPerMemberMonth: 0 },
      noFixedLoad,
    );
    expect(cost.dynamoStorage).toBeCloseTo(0.25, 10);
  });
});

describe('Function: formatCostModel', () => {
  it('states the region and date of its prices and prints both shop sizes beside the SaaS list prices', () => {
    const text = formatCostModel(US_EAST_1_PRICES, measured({ order: { ...none, writeUnits: 10 } }));
    expect(text).toContain('us-east-1 list prices');
    expect(text).toMatch(/10,000 members: +\$/);
    expect(text).toMatch(/1,000,000 members: +\$/);
    expect(text).toContain('Klaviyo');
    expect(text).toContain('$199/month');
  });
});
