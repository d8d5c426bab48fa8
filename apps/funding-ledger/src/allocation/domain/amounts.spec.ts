import fc from 'fast-check';
import { fraction, keptAfterClosure, proRataFullMonths, splitEvenly } from './amounts';

describe('opening-year policy PRO_RATA_FULL_MONTHS', () => {
  it('gives a centre opened on 12 February 2016 eleven twelfths of 170,000 EUR: 155,833.33 EUR', () => {
    expect(proRataFullMonths(17_000_000n, '2016-02-12')).toBe(15_583_333n);
  });

  it('gives the full year for a January opening and one twelfth for a December opening', () => {
    expect(proRataFullMonths(17_000_000n, '2016-01-31')).toBe(17_000_000n);
    expect(proRataFullMonths(17_000_000n, '2016-12-01')).toBe(1_416_667n);
  });

  it('rounds half up to the cent', () => {
    expect(fraction(1n, 1, 2)).toBe(1n);
    expect(fraction(5n, 1, 12)).toBe(0n);
    expect(fraction(6n, 1, 12)).toBe(1n);
  });
});

describe('splitEvenly', () => {
  it('splits a pot so the shares differ by at most one cent and sum exactly to the pot', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 12n }), fc.integer({ min: 1, max: 60 }), (pot, n) => {
        const shares = [...splitEvenly(pot, [...Array(n).keys()]).values()];
        const sum = shares.reduce((a, b) => a + b, 0n);
        const min = shares.reduce((a, b) => (b < a ? b : a));
        const max = shares.reduce((a, b) => (b > a ? b : a));
        return sum === pot && max - min <= 1n && shares.length === n;
      }),
    );
  });

  it('gives the extra cents to the first keys, so the split is the same every time', () => {
    expect([...splitEvenly(10n, ['a', 'b', 'c']).entries()]).toEqual([
      ['a', 4n],
      ['b', 3n],
      ['c', 3n],
    ]);
  });
});

describe('closing policy keptAfterClosure', () => {
  const grant = (booked: bigint, firstMonth: number, closedOn: string, year = 2017) =>
    keptAfterClosure('GRANT', booked, 17_000_000n, firstMonth, year, closedOn);

  it('keeps the months up to the closing month of a full-year grant', () => {
    expect(grant(17_000_000n, 1, '2017-06-30')).toBe(8_500_000n);
  });

  it('keeps the months from the opening month when the centre opened in the same year', () => {
    // Opened February (11/12 booked), closed end of April: keeps Feb–Apr (3/12), returns 8/12.
    expect(grant(15_583_333n, 2, '2016-04-30', 2016)).toBe(4_250_000n);
  });

  it('keeps everything of a year before the closing year, nothing of a later year, no teacher posts and all KOMM-AN money', () => {
    expect(grant(17_000_000n, 1, '2018-03-31')).toBe(17_000_000n);
    expect(grant(17_000_000n, 1, '2016-12-31')).toBe(0n);
    expect(keptAfterClosure('TEACHER_POSTS', 200n, undefined, 1, 2017, '2017-06-30')).toBe(0n);
    expect(keptAfterClosure('KOMM_AN', 20_000_000n, undefined, 1, 2017, '2017-06-30')).toBe(20_000_000n);
  });

  it('keeps nothing when the closing lies before the first funded month', () => {
    expect(grant(9_916_667n, 6, '2017-03-31')).toBe(0n);
  });

  it('never keeps more than was booked, and keeps it all for a December closing', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 12 }), (opened, closed) => {
        fc.pre(closed >= opened);
        const booked = fraction(17_000_000n, 13 - opened, 12);
        const kept = grant(booked, opened, `2016-${String(closed).padStart(2, '0')}-15`, 2016);
        return kept >= 0n && kept <= booked && (closed !== 12 || kept === booked);
      }),
    );
  });
});
