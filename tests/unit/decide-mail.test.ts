import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MailJob } from '../../functions/contract/mail-job';
import { decideMail, type MailContext } from '../../functions/domain/email/decide-mail';
import { demoConfig } from '../support/deps';

const NOW = new Date('2027-03-10T10:00:00Z'); // 11:00 in Stockholm: outside quiet hours
const job = (kind: MailJob['kind'], ref = 'r1'): MailJob => ({ v: 1, customerId: 'c1', kind, ref });
const birthdayContent = { data: { bonusPoints: 200 }, carried: [] };

/** A birthday greeting for a consenting member with room in the cap, unless the test says otherwise. */
const ctx = (over: Partial<MailContext> = {}): MailContext => ({
  job: job('birthday', '2027-03-10'),
  record: undefined,
  member: { email: 'anna@example.com', firstName: 'Anna', locale: 'sv-SE', marketingConsent: true },
  suppressed: undefined,
  marketingSentAt: [],
  content: birthdayContent,
  unsubscribeUrl: 'https://loyalty.example.com/u?t=x',
  ...over,
});

describe('Function: decideMail', () => {
  it('sends a due mail, rendered with the unsubscribe link for marketing mail', () => {
    const decision = decideMail(demoConfig, ctx(), NOW);
    expect(decision).toMatchObject({ type: 'send', mailClass: 'marketing', refs: ['2027-03-10'] });
    if (decision.type !== 'send') throw new Error('not a send');
    expect(decision.mail.html).toContain('https://loyalty.example.com/u?t=x');
  });

  it.each([
    ['sent', undefined, 'duplicate'],
    ['skipped', undefined, 'duplicate'],
    ['failed', undefined, 'duplicate'],
    ['claimed', '2027-03-10T10:01:00.000Z', 'busy'],
  ] as const)('a record %s (lease until %s) is %s, whatever else holds', (status, leaseUntil, type) => {
    expect(decideMail(demoConfig, ctx({ record: { status, leaseUntil }, member: {} }), NOW)).toEqual({ type });
  });

  it('takes over a claim whose lease ran out, and a deferred mail whose time has come', () => {
    expect(decideMail(demoConfig, ctx({ record: { status: 'claimed', leaseUntil: '2027-03-10T09:59:00.000Z' } }), NOW).type).toBe('send');
    expect(decideMail(demoConfig, ctx({ record: { status: 'deferred', notBefore: '2027-03-10T10:00:00.000Z' } }), NOW).type).toBe('send');
    expect(decideMail(demoConfig, ctx({ record: { status: 'deferred', notBefore: '2027-03-10T10:00:01.000Z' } }), NOW)).toEqual({
      type: 'duplicate',
    });
  });

  it.each([
    ['no address', 'no-address', { member: { marketingConsent: true } }],
    ['a suppressed address', 'suppressed', { suppressed: true }],
    ['no consent', 'no-consent', { member: { email: 'a@b.se' } }],
    [
      'an opt-out recorded by Lojal',
      'unsubscribed',
      { member: { email: 'a@b.se', marketingConsent: false, unsubscribedAt: NOW.getTime() - 1 } },
    ],
    ['a cancelled reminder', 'cancelled', { content: { skip: 'cancelled' } }],
  ] as const)('skips a marketing mail for %s with the reason %s', (_, reason, over) => {
    expect(decideMail(demoConfig, ctx(over), NOW)).toEqual({ type: 'skip', reason, status: 'skipped' });
  });

  it('skips the holdout group from marketing mail, never from service mail', () => {
    const config = { ...demoConfig, holdoutPercent: 100 };
    expect(decideMail(config, ctx(), NOW)).toEqual({ type: 'skip', reason: 'holdout', status: 'skipped' });
    expect(
      decideMail(config, ctx({ job: job('expiry'), content: { data: { points: 10, lastValidDate: '2027-03-31' }, carried: [] } }), NOW)
        .type,
    ).toBe('send');
  });

  it('sends service mail without consent', () => {
    const decision = decideMail(
      demoConfig,
      ctx({ job: job('expiry'), member: { email: 'a@b.se' }, content: { data: { points: 10, lastValidDate: '2027-03-31' }, carried: [] } }),
      NOW,
    );
    expect(decision).toMatchObject({ type: 'send', mailClass: 'service' });
  });

  it('defers a marketing mail over the cap to when the oldest send leaves the window, naming the cap', () => {
    const decision = decideMail(demoConfig, ctx({ marketingSentAt: ['2027-03-05T12:00:00.000Z', '2027-03-08T12:00:00.000Z'] }), NOW);
    expect(decision).toEqual({ type: 'defer', until: new Date('2027-03-12T12:00:00.000Z'), reason: 'cap' });
  });

  it('defers scheduled mail in quiet hours to their end on the member’s clock, naming quiet hours', () => {
    const decision = decideMail(demoConfig, ctx(), new Date('2027-03-10T21:30:00Z'));
    expect(decision).toEqual({ type: 'defer', until: new Date('2027-03-11T07:00:00.000Z'), reason: 'quiet-hours' });
  });

  it('fails a mail whose data breaks its template for good, naming the field', () => {
    const decision = decideMail(demoConfig, ctx({ content: { data: { bonusPoints: 'many' }, carried: [] } }), NOW);
    expect(decision).toMatchObject({
      type: 'skip',
      status: 'failed',
      reason: expect.stringMatching(/^invalid-data: birthday\.bonusPoints/),
    });
  });

  it('carries the same-day reminders along in one send', () => {
    const carried = [{ ref: 'r2', job: job('checkin', 'r2') }];
    const decision = decideMail(
      demoConfig,
      ctx({
        job: job('checkin', 'r1'),
        content: {
          data: {
            orders: [
              { orderId: 'o1', products: [] },
              { orderId: 'o2', products: [] },
            ],
            answerUrls: Array.from({ length: 11 }, (_, i) => `https://x.test/${i}`),
          },
          carried,
        },
      }),
      NOW,
    );
    expect(decision).toMatchObject({ type: 'send', refs: ['r1', 'r2'] });
    if (decision.type === 'send') expect([...decision.jobs.keys()]).toEqual(['r1', 'r2']);
  });

  // Invariant: a mail is sent only to an unsuppressed address, and marketing mail only with consent and never within quiet hours or over the cap.
  const facts = fc.record({
    email: fc.option(fc.constant('a@b.se'), { nil: undefined }),
    marketingConsent: fc.option(fc.boolean(), { nil: undefined }),
    suppressed: fc.option(fc.boolean(), { nil: undefined }),
    hour: fc.integer({ min: 0, max: 23 }),
    sends: fc.integer({ min: 0, max: 3 }),
  });
  it('never decides a send the rules forbid', () => {
    fc.assert(
      fc.property(facts, (f) => {
        const now = new Date(Date.UTC(2027, 2, 10, f.hour));
        const sentAt = Array.from({ length: f.sends }, (_, i) => new Date(now.getTime() - (i + 1) * 3_600_000).toISOString());
        const decision = decideMail(
          demoConfig,
          ctx({ member: { email: f.email, marketingConsent: f.marketingConsent }, suppressed: f.suppressed, marketingSentAt: sentAt }),
          now,
        );
        if (decision.type !== 'send') return;
        const stockholmHour = (f.hour + 1) % 24;
        expect(f.email).toBeDefined();
        expect(f.suppressed).not.toBe(true);
        expect(f.marketingConsent).toBe(true);
        expect(stockholmHour >= 8 && stockholmHour < 21).toBe(true);
        expect(f.sends).toBeLessThan(demoConfig.marketingCap.emails);
      }),
    );
  });
});
