import fc from 'fast-check';
import {
  berlinDate,
  inPlace,
  formatDateLong,
  formatDateShort,
  formatEuroCents,
  formatHundredths,
  formatTeacherPosts,
  groupThousands,
} from './german-format';

describe('German formatting', () => {
  it.each([
    ['15583333', '155.833,33 €'],
    ['17000000', '170.000,00 €'],
    ['0', '0,00 €'],
    ['5', '0,05 €'],
    ['99', '0,99 €'],
    ['100', '1,00 €'],
    ['123456789012345', '1.234.567.890.123,45 €'],
    ['-15583333', '-155.833,33 €'],
  ])('formats %s cents as %s', (cents, text) => {
    expect(formatEuroCents(cents)).toBe(text);
  });

  it('formats amounts beyond 2^53 cents exactly', () => {
    expect(formatEuroCents('900719925474099312')).toBe('9.007.199.254.740.993,12 €');
  });

  it('refuses anything but whole cents', () => {
    expect(() => formatEuroCents('155833.33')).toThrow(RangeError);
    expect(() => formatEuroCents('1e6')).toThrow(RangeError);
    expect(() => formatEuroCents('')).toThrow(RangeError);
  });

  it('reads back every amount it writes', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 20n }), (cents) => {
        const text = formatEuroCents(cents.toString());
        expect(BigInt(text.replace(' €', '').replace(/\./g, '').replace(',', ''))).toBe(cents);
      }),
    );
  });

  it('groups thousands with dots', () => {
    expect(groupThousands('1')).toBe('1');
    expect(groupThousands('1000')).toBe('1.000');
    expect(groupThousands('155833')).toBe('155.833');
  });

  it.each([
    [200, '2 Lehrerstellen'],
    [100, '1 Lehrerstelle'],
    [150, '1,5 Lehrerstellen'],
    [125, '1,25 Lehrerstellen'],
    [0, '0 Lehrerstellen'],
  ])('formats %i hundredths of a teacher post as %s', (hundredths, text) => {
    expect(formatTeacherPosts(hundredths)).toBe(text);
  });

  it('formats 3.5 staff posts as 3,5', () => {
    expect(formatHundredths(350)).toBe('3,5');
  });

  it('formats dates the German way', () => {
    expect(formatDateLong('2016-02-12')).toBe('12. Februar 2016');
    expect(formatDateLong('2013-12-02')).toBe('2. Dezember 2013');
    expect(formatDateLong('2017-03-01')).toBe('1. März 2017');
    expect(formatDateShort('2016-02-12')).toBe('12.02.2016');
    expect(() => formatDateLong('12.02.2016')).toThrow(RangeError);
  });

  it('takes the calendar day in Germany, not in UTC', () => {
    expect(berlinDate(new Date('2016-02-11T23:30:00Z'))).toBe('2016-02-12');
    expect(berlinDate(new Date('2016-07-01T21:59:00Z'))).toBe('2016-07-01');
    expect(berlinDate(new Date('2016-07-01T22:00:00Z'))).toBe('2016-07-02');
  });
});

describe('places after "in"', () => {
  it.each([
    ['Lüdinghausen', 'in Lüdinghausen'],
    ['Kreis Coesfeld', 'im Kreis Coesfeld'],
    ['Rhein-Sieg-Kreis', 'im Rhein-Sieg-Kreis'],
    ['Hochsauerlandkreis', 'im Hochsauerlandkreis'],
    ['Rhein-Kreis Neuss', 'im Rhein-Kreis Neuss'],
    ['Märkischer Kreis', 'im Märkischen Kreis'],
    ['Oberbergischer Kreis', 'im Oberbergischen Kreis'],
    ['Städteregion Aachen', 'in der Städteregion Aachen'],
    ['Stadt Aachen', 'in der Stadt Aachen'],
  ])('reads "%s" as "%s"', (place, expected) => {
    expect(inPlace(place)).toBe(expected);
  });
});
