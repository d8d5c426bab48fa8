import { Matches, ValidateBy } from 'class-validator';

/** Host body: a 5-digit NRW territory key, or the 8-digit municipality key of Stadt Aachen (05334002). */
export const IsHostBodyKey = () =>
  Matches(/^05\d{3}(\d{3})?$/, { message: '$property must be a 5-digit NRW territory key or an 8-digit municipality key' });

/** A 5-digit NRW territory key (Amtlicher Gemeindeschlüssel of a Kreis or kreisfreie Stadt). */
export const IsTerritoryKey = () => Matches(/^05\d{3}$/, { message: '$property must be a 5-digit NRW territory key' });

const DATE = /^\d{4}-\d{2}-\d{2}$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Whether a YYYY-MM-DD string names a day that exists (no 30 February). Consumers check every event, so no Date is built. */
export function isRealDay(value: string): boolean {
  const year = Number(value.slice(0, 4));
  const month = Number(value.slice(5, 7));
  const day = Number(value.slice(8, 10));
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= (month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]);
}

/**
 * An ISO calendar date, YYYY-MM-DD, of a day that exists. The shape is a pattern (it appears in
 * the JSON schemas); the second check refuses days such as 2016-02-30 before they reach a database.
 */
export const IsCalendarDate = (): PropertyDecorator => (target, property) => {
  Matches(DATE, { message: '$property must be a calendar date YYYY-MM-DD' })(target, property);
  ValidateBy({
    name: 'isRealCalendarDay',
    validator: {
      validate: (value: unknown) => typeof value !== 'string' || !DATE.test(value) || isRealDay(value),
      defaultMessage: () => '$property must be a day that exists in the calendar',
    },
  })(target, property);
};

/** Money: a non-negative whole number of cents as a decimal string (exact beyond 2^53). */
export const IsWholeCents = () =>
  Matches(/^\d{1,15}$/, { message: '$property must be a non-negative whole number of cents written as a decimal string' });
