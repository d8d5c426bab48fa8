import { yearAndMonth } from './german-format';

/**
 * The press-release number of an announcement: running number within the year / month / year,
 * e.g. the 12th announcement of 2016, issued in February → "12/2/2016".
 */
export function announcementNumber(running: number, announcedOn: string): string {
  if (!Number.isSafeInteger(running) || running < 1) throw new RangeError(`running number must be a positive integer, got ${running}`);
  const { year, month } = yearAndMonth(announcedOn);
  return `${running}/${month}/${year}`;
}
