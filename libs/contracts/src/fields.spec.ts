import fc from 'fast-check';
import { isRealDay } from './fields';

/** The calendar as JavaScript's Date knows it: the day exists when it prints back unchanged. */
function dateSaysRealDay(value: string): boolean {
  const day = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(day.getTime()) && day.toISOString().slice(0, 10) === value;
}

describe('isRealDay', () => {
  it('knows leap years and month lengths', () => {
    const days = [
      '2016-02-29',
      '2000-02-29',
      '1900-02-29',
      '2017-02-29',
      '2016-04-31',
      '2016-12-31',
      '2016-13-01',
      '2016-00-10',
      '2016-01-00',
    ];
    expect(days.filter(isRealDay)).toEqual(['2016-02-29', '2000-02-29', '2016-12-31']);
  });

  it('agrees with the calendar of Date for every YYYY-MM-DD string', () => {
    const twoDigits = fc.integer({ min: 0, max: 99 }).map((n) => String(n).padStart(2, '0'));
    const year = fc.integer({ min: 1, max: 9999 }).map((n) => String(n).padStart(4, '0'));
    fc.assert(
      fc.property(year, twoDigits, twoDigits, (y, m, d) => isRealDay(`${y}-${m}-${d}`) === dateSaysRealDay(`${y}-${m}-${d}`)),
      { numRuns: 20_000 },
    );
  });
});
