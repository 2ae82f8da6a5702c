import { defineClient } from '../functions/config/program';

/**
 * A second example: a Norwegian outdoor shop that writes to its members in Bokmål only, with
 * its own words (clients/fjellsport/messages/) and its own look. `npx cdk synth -c client=fjellsport`.
 */
export default defineClient({
  clientId: 'fjellsport',
  brand: { name: 'Fjellsport', senderAddress: 'post@fjellsport.example.no', websiteUrl: 'https://fjellsport.example.no' },
  locales: ['nb'],
  defaultLocale: 'nb',
  timeZone: 'Europe/Oslo',
  allowedSources: ['webshop'],
  earnRates: { NOK: { points: 1, per: 1000 } },
  categoryMultipliers: { 'hiking-boots': 2 },
  tiers: [
    { name: 'Topptur', qualifyingPoints: 0, multiplier: 1 },
    { name: 'Fjellfører', qualifyingPoints: 4000, multiplier: 1.5 },
  ],
  activities: { review: 40 },
  checkin: { delayDays: 21, categoryDelayDays: { 'hiking-boots': 45 } },
  lifespans: { 'hiking-boots': 730, 'wool-socks': 365 },
  relatedCategories: { 'hiking-boots': ['wool-socks', 'boot-wax'] },
  birthdayBonus: 100,
  perks: [{ id: 'free-repairs', name: 'Free repairs', afterMonths: 12 }],
  rewards: [{ id: 'boot-wax', name: 'Boot wax', points: 300, validDays: 60 }],
  pointsExpiryMonths: 12,
  marketingCap: { emails: 1, perDays: 7 },
  quietHours: { start: '20:00', end: '09:00' },
  theme: {
    logoUrl: 'https://fjellsport.example.no/mail/logo.png',
    colors: { background: '#eef2ef', card: '#ffffff', text: '#1f2a24', muted: '#5b6b61', accent: '#c8102e', accentText: '#ffffff' },
    fontStack: "'Segoe UI', Roboto, Helvetica, Arial, sans-serif",
    footerText: { nb: 'Kundeservice: hverdager 09–16, kundeservice@fjellsport.example.no' },
    postalAddress: 'Fjellsport AS, Postboks 123 Sentrum, 0102 Oslo, Norge',
  },
  names: {
    categories: {
      'hiking-boots': { nb: 'fjellsko' },
      'wool-socks': { nb: 'ullsokker' },
      'boot-wax': { nb: 'skosmøring' },
    },
    activities: { review: { nb: 'en produktanmeldelse' } },
    perks: { 'free-repairs': { nb: 'gratis reparasjoner' } },
    rewards: { 'boot-wax': { nb: 'Skosmøring' } },
  },
});
