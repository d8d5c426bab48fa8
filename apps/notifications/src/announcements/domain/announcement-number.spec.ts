import { announcementNumber } from './announcement-number';

describe('announcement numbers', () => {
  it('are running number / month / year, like the press office writes them', () => {
    expect(announcementNumber(12, '2016-02-12')).toBe('12/2/2016');
    expect(announcementNumber(90, '2016-02-12')).toBe('90/2/2016');
    expect(announcementNumber(1, '2017-01-01')).toBe('1/1/2017');
    expect(announcementNumber(214, '2013-12-02')).toBe('214/12/2013');
  });

  it('refuse running numbers that are not positive integers', () => {
    expect(() => announcementNumber(0, '2016-02-12')).toThrow(RangeError);
    expect(() => announcementNumber(1.5, '2016-02-12')).toThrow(RangeError);
  });
});
