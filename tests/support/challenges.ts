/**
 * The challenge most challenge tests play: members who join in January 2027 (Stockholm), most
 * points in their own first 30 days; the top three win 1 000, 500 and 250 points. Scoring closes
 * 2027-03-02T23:00Z, the result is due a day later.
 */
export const JANUARY_NEWCOMERS = {
  id: 'newcomers',
  name: 'January newcomers',
  start: '2027-01-01T00:00:00+01:00',
  end: '2027-02-01T00:00:00+01:00',
  entrants: 'joined',
  firstDays: 30,
  prizes: [1000, 500, 250],
} as const;
