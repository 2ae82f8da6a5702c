import { defineClient } from '../functions/config/program';

/** The demo webshop used by `npm start`, `npm run demo` and the tests (docs/client-file.md). */
export default defineClient({
  clientId: 'demo',
  brand: { name: 'Lojal Demo Sport', senderAddress: 'hello@demo.lojal.dev', websiteUrl: 'https://demo.lojal.dev' },
  locales: ['sv', 'en'],
  defaultLocale: 'sv',
  timeZone: 'Europe/Stockholm',
  allowedSources: ['webshop'],
  earnRates: { SEK: { points: 1, per: 100 } },
  categoryMultipliers: { 'running-shoes': 2 },
  tiers: [
    { name: 'Red', qualifyingPoints: 0, multiplier: 1 },
    { name: 'Silver', qualifyingPoints: 5000, multiplier: 1.5 },
    { name: 'Gold', qualifyingPoints: 15000, multiplier: 2 },
  ],
  activities: { review: 50, referral: 250 },
  checkin: { delayDays: 30, categoryDelayDays: {} },
  lifespans: { 'running-shoes': 270 },
  relatedCategories: { 'running-shoes': ['running-socks', 'insoles'] },
  anniversaryBonus: 500,
  birthdayBonus: 200,
  perks: [{ id: 'fast-payout', name: 'Fast payout', afterMonths: 6 }],
  pointsExpiryMonths: 24,
  returnWindowDays: 0,
  // A small catalogue to try redemptions with (POST /v1/members/{id}/redemptions).
  rewards: [
    { id: 'running-socks', name: 'Running socks', points: 500, validDays: 90 },
    { id: 'trail-cap', name: 'Trail cap', points: 1500, stock: 200, validDays: 90 },
  ],
  marketingCap: { emails: 2, perDays: 7 },
  quietHours: { start: '21:00', end: '08:00' },
  holdoutPercent: 0,
  // The mail's look; the messages are the files in clients/demo/messages/ (docs/messages.md).
  theme: {
    colors: { background: '#f4f4f5', card: '#ffffff', text: '#18181b', muted: '#71717a', accent: '#1a7f37', accentText: '#ffffff' },
    fontStack: 'Helvetica, Arial, sans-serif',
    footerText: { sv: 'Frågor? Svara på mejlet, så hjälper vi dig.', en: 'Questions? Reply to this email and we will help.' },
    postalAddress: 'Lojal Demo Sport AB, Exempelgatan 1, 111 22 Stockholm, Sweden',
  },
  names: {
    categories: {
      'running-shoes': { sv: 'löparskor', en: 'running shoes' },
      'running-socks': { sv: 'löparstrumpor', en: 'running socks' },
      insoles: { sv: 'innersulor', en: 'insoles' },
    },
    activities: { review: { sv: 'ett omdöme', en: 'writing a review' }, referral: { sv: 'att tipsa en vän', en: 'referring a friend' } },
  },
  // The shop's own workflows (docs/flows.md), played by `npm run demo`.
  flows: [
    {
      id: 'review-request',
      name: 'Ask for a review two weeks after a running-shoe order, unless they reviewed it',
      trigger: { event: 'order.placed', where: { lines: { category: ['running-shoes'] } } },
      key: 'orderId',
      // A returned pair is not worth a review; a member who has reviewed is not asked.
      exitOn: [
        { event: 'order.refunded', sameKey: true },
        { event: 'activity.completed', where: { activity: ['review'] } },
      ],
      goal: { event: 'activity.completed', where: { activity: ['review'] }, within: 'P30D' },
      holdoutPercent: 10,
      steps: [
        { id: 'settle', wait: 'P14D' },
        { id: 'ask', email: 'review-request' },
      ],
    },
    {
      id: 'win-back',
      name: 'Win back members who have not ordered for 120 days, with 100 bonus points',
      trigger: { inactive: { after: 'P120D' } },
      reentry: { after: 'P365D' },
      audience: { marketingConsent: [true] },
      exitOn: [{ event: 'order.placed' }],
      goal: { event: 'order.placed', within: 'P30D' },
      steps: [
        { id: 'bonus', points: 100, reason: 'We miss you: 100 bonus points' },
        { id: 'tell-shop', emit: 'member.win-back', detail: { offer: 'bonus-100' } },
      ],
    },
    {
      id: 'black-friday-preview',
      name: 'Announce Black Friday a week before, to Silver and Gold members',
      trigger: { schedule: { at: '2027-11-19T08:00:00+01:00' } },
      audience: { tier: ['Silver', 'Gold'], marketingConsent: [true] },
      priority: 80,
      steps: [{ id: 'announce', email: 'black-friday-preview' }],
    },
    {
      id: 'nps-detractor',
      name: 'After a check-in answer of 0–6, tell the support desk',
      trigger: { event: 'nps.answered', where: { category: ['detractor'] } },
      key: 'orderId',
      // A changed answer replaces the run of the order's earlier one.
      reentry: 'replace',
      steps: [{ id: 'tell-support', emit: 'nps.detractor' }],
    },
    {
      id: 'nps-promoter',
      name: 'After a check-in answer of 9–10, invite the member to refer a friend',
      trigger: { event: 'nps.answered', where: { category: ['promoter'] } },
      key: 'orderId',
      goal: { event: 'activity.completed', where: { activity: ['referral'] }, within: 'P60D' },
      steps: [{ id: 'invite', email: 'referral-invite' }],
    },
  ],
});
