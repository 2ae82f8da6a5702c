import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import demo from '../../clients/demo';
import { InvalidProgramConfigError, parseProgramConfig } from '../../functions/config/program';
import { OrderPlacedSchema, WEBSHOP_DETAIL_TYPES } from '../../functions/contract/events';
import { webshopJsonSchemas } from '../../scripts/json-schemas';

describe('Contract: generated JSON Schemas', () => {
  it('the committed schemas/ match the zod contract (run `npm run schemas` when this fails)', () => {
    const dir = join(import.meta.dirname, '..', '..', 'schemas');
    const generated = webshopJsonSchemas();
    expect(readdirSync(dir).sort()).toEqual(Object.keys(generated).sort());
    for (const [name, text] of Object.entries(generated)) expect(readFileSync(join(dir, name), 'utf8'), name).toBe(text);
  });

  it('there is one schema per webshop detail type', () => {
    expect(Object.keys(webshopJsonSchemas()).sort()).toEqual(WEBSHOP_DETAIL_TYPES.map((t) => `${t}.json`).sort());
  });
});

describe('Contract: order.placed', () => {
  const valid = {
    orderId: 'o1',
    customerId: 'c1',
    placedAt: '2026-03-01T10:00:00+01:00',
    currency: 'SEK',
    lines: [{ sku: 's1', category: 'running-shoes', quantity: 1, unitPrice: 129_900 }],
  };

  it('accepts a minimal order', () => {
    expect(OrderPlacedSchema.safeParse(valid).success).toBe(true);
  });

  it('refuses a discount larger than the order', () => {
    const result = OrderPlacedSchema.safeParse({ ...valid, discount: 200_000 });
    expect(result.error?.issues[0]?.path).toEqual(['discount']);
  });

  it('refuses amounts that are not integers in minor units', () => {
    const result = OrderPlacedSchema.safeParse({ ...valid, lines: [{ ...valid.lines[0], unitPrice: 1299.5 }] });
    expect(result.error?.issues[0]?.path).toEqual(['lines', 0, 'unitPrice']);
  });
});

describe('Function: parseProgramConfig', () => {
  it('accepts the demo client and fills in the defaults', () => {
    const config = parseProgramConfig(demo);
    expect(config.allowedSources).toEqual(['webshop']);
    expect(config.campaigns).toEqual([]);
    expect(config.firstOrderBonus).toBe(0);
  });

  it.each([
    [{ ...demo, defaultLocale: 'de' }, 'defaultLocale'],
    [{ ...demo, tiers: [{ name: 'Red', qualifyingPoints: 10, multiplier: 1 }] }, 'tiers'],
    [{ ...demo, categoryMultipliers: { shoes: 1.2345 } }, 'categoryMultipliers.shoes'],
    [{ ...demo, earnRates: { sek: { points: 1, per: 100 } } }, 'earnRates.sek'],
    [{ ...demo, allowedSources: ['lojal'] }, 'allowedSources[0]'],
    [{ ...demo, timeZone: 'Mars/Olympus' }, 'timeZone'],
    [{ ...demo, quietHours: { start: '25:00', end: '08:00' } }, 'quietHours.start'],
  ])('an invalid client fails with a message naming the field (%#)', (input, field) => {
    expect(() => parseProgramConfig(input, 'clients/bad.ts')).toThrow(InvalidProgramConfigError);
    expect(() => parseProgramConfig(input, 'clients/bad.ts')).toThrow(
      new RegExp(`clients/bad\\.ts: .*${field.replace(/[[\].]/g, '\\$&')}: `),
    );
  });
});
