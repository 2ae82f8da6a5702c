import type { RenderableKind } from '../../functions/domain/email/templates';

/**
 * One set of data per branch of every preset mail (first name or not, bonus or not, upgrade,
 * downgrade, warning, shared place…), for the tests that render every preset in every
 * shipped locale and compare them with the mail Lojal sent before messages became files.
 */
const brand = { name: 'Lojal Demo Sport', websiteUrl: 'https://demo.lojal.dev' };
const answerUrls = Array.from({ length: 11 }, (_, i) => `https://x.example/checkin?score=${i}`);
const unsubscribeUrl = 'https://x.example/unsubscribe?t=abc';

export const PRESET_SAMPLES: Readonly<Record<string, { readonly kind: RenderableKind; readonly data: unknown }>> = {
  'welcome-full': {
    kind: 'welcome',
    data: {
      brand,
      firstName: 'Anna',
      balance: 2598,
      earnRates: [{ currency: 'SEK', points: 1, per: 100 }],
      multipliers: [{ category: 'running-shoes', multiplier: 2 }],
      activities: [
        { activity: 'review', points: 50 },
        { activity: 'yoga-class', points: 20 },
      ],
      firstOrderBonus: 100,
    },
  },
  'welcome-bare': {
    kind: 'welcome',
    data: { brand: { name: 'Demo' }, balance: 0, earnRates: [], multipliers: [], activities: [], firstOrderBonus: 0 },
  },
  'checkin-one': {
    kind: 'checkin',
    data: {
      brand,
      firstName: 'Anna',
      orders: [{ orderId: 'o1', products: [{ sku: 'TR3', category: 'running-shoes', name: 'Trail Runner 3' }] }],
      answerUrls,
    },
  },
  'checkin-many': {
    kind: 'checkin',
    data: {
      brand,
      orders: [
        { orderId: 'o1', products: [{ sku: 'TR3', category: 'running-shoes', name: 'Trail Runner 3' }] },
        {
          orderId: 'o2',
          products: [
            { sku: 'S1', category: 'running-socks', name: null },
            { sku: 'S2', category: 'insoles', name: 'Insole' },
          ],
        },
      ],
      answerUrls,
    },
  },
  'checkin-none': { kind: 'checkin', data: { brand, orders: [{ orderId: 'o1', products: [] }], answerUrls } },
  'replacement-related': {
    kind: 'replacement',
    data: {
      brand,
      firstName: 'Anna',
      unsubscribeUrl,
      products: [{ sku: 'TR3', category: 'running-shoes', name: 'Trail Runner 3', ageDays: 270 }],
      related: ['running-socks', 'insoles'],
    },
  },
  'replacement-plain': {
    kind: 'replacement',
    data: {
      brand: { name: 'Demo' },
      unsubscribeUrl,
      products: [
        { sku: 'x', category: 'rain-jackets', name: null, ageDays: 40 },
        { sku: 'y', category: 'boots', name: 'Boot', ageDays: 800 },
      ],
      related: [],
    },
  },
  'anniversary-one': { kind: 'anniversary', data: { brand, firstName: 'Anna', unsubscribeUrl, years: 1, bonusPoints: 500 } },
  'anniversary-three': { kind: 'anniversary', data: { brand, unsubscribeUrl, years: 3, bonusPoints: 0 } },
  'birthday-bonus': { kind: 'birthday', data: { brand, firstName: 'Anna', unsubscribeUrl, bonusPoints: 200 } },
  'birthday-plain': { kind: 'birthday', data: { brand, unsubscribeUrl, bonusPoints: 0 } },
  'tier-up': {
    kind: 'tier',
    data: { brand, firstName: 'Anna', change: 'upgrade', tier: 'Silver', multiplier: 1.5, reviewDate: '2028-03-10' },
  },
  'tier-down': { kind: 'tier', data: { brand, change: 'downgrade', tier: 'Red', multiplier: 1 } },
  'tier-expiring': {
    kind: 'tier',
    data: { brand, change: 'expiring', tier: 'Gold', projectedTier: 'Silver', pointsToKeep: 1200, reviewDate: '2027-04-09' },
  },
  'reward-dated': {
    kind: 'reward',
    data: { brand, firstName: 'Anna', rewardName: 'Running socks', code: 'RS-1', validUntil: '2027-06-08' },
  },
  'reward-open': { kind: 'reward', data: { brand: { name: 'Demo' }, rewardName: 'Trail cap', code: 'TC-9' } },
  expiry: { kind: 'expiry', data: { brand, firstName: 'Anna', points: 1, lastValidDate: '2027-03-31' } },
  'expiry-many': { kind: 'expiry', data: { brand, points: 3400, lastValidDate: '2028-03-31' } },
  perk: { kind: 'perk', data: { brand, firstName: 'Anna', perkName: 'Fast payout', afterMonths: 6 } },
  'perk-one': { kind: 'perk', data: { brand: { name: 'Demo' }, perkName: 'Free returns', afterMonths: 1 } },
  'challenge-first': { kind: 'challenge', data: { brand, firstName: 'Anna', challengeName: 'Spring sprint', rank: 1, prize: 300 } },
  'challenge-shared': { kind: 'challenge', data: { brand, challengeName: 'Spring sprint', rank: 2, prize: 150, shared: true } },
  'challenge-third': { kind: 'challenge', data: { brand, challengeName: 'Spring sprint', rank: 23, prize: 50 } },
};
