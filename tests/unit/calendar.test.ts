import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseProgramConfig } from '../../functions/config/program';
import {
  addMonthsClamped,
  calendarEntriesOf,
  celebratedOn,
  type FoundEntry,
  formatDate,
  monthDaysCelebratedOn,
  occasionsOn,
  perksHeld,
  planDay,
  registrationDatesEarningOn,
} from '../../functions/domain/calendar';
import type { Profile } from '../../functions/domain/profile';
import demo from '../../clients/demo';
import { demoConfig } from '../support/deps';

const perks = demoConfig.perks; // Fast payout after 6 months

const profile = (values: Profile['values'], extra: Partial<Profile> = {}): Profile => ({
  customerId: 'c1',
  values,
  fieldAt: Object.fromEntries(Object.keys(values).map((k) => [k, 1_000])),
  ...extra,
});

/** Any calendar date from 1990 to 2040. */
const anyDate = fc
  .record({ year: fc.integer({ min: 1990, max: 2040 }), month: fc.integer({ min: 1, max: 12 }), day: fc.integer({ min: 1, max: 31 }) })
  .map(({ year, month, day }) => formatDate(year, month, Math.min(day, new Date(Date.UTC(year, month, 0)).getUTCDate())));

describe('Module: domain/calendar', () => {
  describe('Function: celebratedOn', () => {
    it('celebrates 29 February on the 28th in common years and on the 29th in leap years', () => {
      expect(celebratedOn('02-29', 2027)).toBe('2027-02-28');
      expect(celebratedOn('02-29', 2028)).toBe('2028-02-29');
      expect(celebratedOn('02-29', 2100)).toBe('2100-02-28');
      expect(celebratedOn('12-31', 2027)).toBe('2027-12-31');
    });

    it("reads both month-days on a common year's 28 February, one otherwise", () => {
      expect(monthDaysCelebratedOn('2027-02-28')).toEqual(['02-28', '02-29']);
      expect(monthDaysCelebratedOn('2028-02-28')).toEqual(['02-28']);
      expect(monthDaysCelebratedOn('2028-02-29')).toEqual(['02-29']);
      expect(monthDaysCelebratedOn('2027-03-01')).toEqual(['03-01']);
    });
  });

  describe('Function: addMonthsClamped', () => {
    it('keeps the day, or takes the last day of a shorter month', () => {
      expect(addMonthsClamped('2026-03-15', 6)).toBe('2026-09-15');
      expect(addMonthsClamped('2026-08-31', 6)).toBe('2027-02-28');
      expect(addMonthsClamped('2024-02-29', 12)).toBe('2025-02-28');
      expect(addMonthsClamped('2026-12-31', 2)).toBe('2027-02-28');
    });
  });

  describe('Function: registrationDatesEarningOn', () => {
    it('lists the registration dates a month-end takes in, and none for a day no shorter month reaches', () => {
      expect(registrationDatesEarningOn('2027-02-28', 1)).toEqual(['2027-01-28', '2027-01-29', '2027-01-30', '2027-01-31']);
      expect(registrationDatesEarningOn('2026-04-30', 1)).toEqual(['2026-03-30', '2026-03-31']);
      expect(registrationDatesEarningOn('2026-03-30', 1)).toEqual([]);
      expect(registrationDatesEarningOn('2026-09-15', 6)).toEqual(['2026-03-15']);
    });

    // Inverse of addMonthsClamped: exactly the registrations that earn on a date are listed.
    it('is exactly the inverse of adding the months', () => {
      fc.assert(
        fc.property(anyDate, fc.integer({ min: 1, max: 60 }), (registeredOn, months) => {
          const earned = addMonthsClamped(registeredOn, months);
          const listed = registrationDatesEarningOn(earned, months);
          expect(listed).toContain(registeredOn);
          for (const r of listed) expect(addMonthsClamped(r, months)).toBe(earned);
        }),
      );
    });
  });

  describe('Function: calendarEntriesOf', () => {
    it("takes the anniversary in the member's time zone, else the client's: 31 December in New York is 1 January in Stockholm", () => {
      const registeredAt = '2025-12-31T23:30:00-05:00';
      expect(calendarEntriesOf(profile({ registeredAt, timeZone: 'America/New_York' }), 'Europe/Stockholm')).toEqual([
        { kind: 'anniversary', date: '2025-12-31', registeredAt, timeZone: 'America/New_York' },
      ]);
      expect(calendarEntriesOf(profile({ registeredAt }), 'Europe/Stockholm')).toEqual([
        { kind: 'anniversary', date: '2026-01-01', registeredAt, timeZone: 'Europe/Stockholm' },
      ]);
    });

    it('has none for a deleted member, and again after a later registration', () => {
      const values = { registeredAt: '2025-01-01T10:00:00Z', birthday: '--05-05' };
      expect(calendarEntriesOf(profile(values, { deletedAt: 2_000 }), 'Europe/Stockholm')).toEqual([]);
      const again = profile(values, { deletedAt: 2_000, fieldAt: { registeredAt: 3_000, birthday: 3_000 } });
      expect(calendarEntriesOf(again, 'Europe/Stockholm').map((e) => e.kind)).toEqual(['anniversary', 'birthday']);
    });
  });

  describe('Function: planDay', () => {
    it("reads the day's partitions whole and, per perk, only the registration date that earns it", () => {
      expect(planDay('2026-09-15', perks)).toEqual([{ monthDay: '09-15' }, { monthDay: '03-15', registeredOn: '2026-03-15' }]);
      expect(planDay('2027-02-28', [])).toEqual([{ monthDay: '02-28' }, { monthDay: '02-29' }]);
    });

    it('drops a perk read that a whole-partition read already covers', () => {
      const yearly = parseProgramConfig({ ...demo, perks: [{ id: 'loyal', name: 'Loyal', afterMonths: 12 }] }).perks;
      expect(planDay('2027-02-28', yearly)).toEqual([{ monthDay: '02-28' }, { monthDay: '02-29' }]);
    });
  });

  describe('Function: occasionsOn', () => {
    it('celebrates anniversaries from year 1, birthdays, leap days on the 28th, and perks on the day earned', () => {
      // Prepare
      const found: FoundEntry[] = [
        { customerId: 'year0', kind: 'anniversary', date: '2027-02-28' },
        { customerId: 'leap', kind: 'anniversary', date: '2024-02-29' },
        { customerId: 'leap', kind: 'anniversary', date: '2024-02-29' }, // read twice
        { customerId: 'b1', kind: 'birthday', date: '1990-02-29' },
        { customerId: 'b2', kind: 'birthday', date: '--02-28' },
        { customerId: 'perk', kind: 'anniversary', date: '2026-08-31' },
      ];

      // Act
      const occasions = occasionsOn('2027-02-28', found, perks);

      // Assess
      expect(occasions).toEqual([
        { type: 'anniversary', customerId: 'leap', date: '2027-02-28', years: 3, registeredOn: '2024-02-29' },
        { type: 'birthday', customerId: 'b1', date: '2027-02-28' },
        { type: 'birthday', customerId: 'b2', date: '2027-02-28' },
        { type: 'perk', customerId: 'perk', date: '2027-02-28', perk: perks[0], registeredOn: '2026-08-31' },
      ]);
    });
  });

  describe('Function: perksHeld', () => {
    it('holds a perk from the day it is earned', () => {
      expect(perksHeld('2026-03-15', '2026-09-14', perks)).toEqual([]);
      expect(perksHeld('2026-03-15', '2026-09-15', perks)).toEqual([{ id: 'fast-payout', name: 'Fast payout', earnedOn: '2026-09-15' }]);
      expect(perksHeld(undefined, '2030-01-01', perks)).toEqual([]);
    });
  });

  describe('Schema: perks', () => {
    it('defaults email to true and refuses duplicate perk ids, naming the field', () => {
      expect(perks).toEqual([{ id: 'fast-payout', name: 'Fast payout', afterMonths: 6, email: true }]);
      const twice = { ...demo, perks: [...(demo.perks ?? []), { id: 'fast-payout', name: 'Again', afterMonths: 12 }] };
      expect(() => parseProgramConfig(twice, 'clients/x.ts')).toThrow(/perks: perk ids must be unique/);
    });
  });
});
