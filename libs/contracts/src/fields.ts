import { Matches } from 'class-validator';

/** Host body: a 5-digit NRW territory key, or the 8-digit municipality key of Stadt Aachen (05334002). */
export const IsHostBodyKey = () =>
  Matches(/^05\d{3}(\d{3})?$/, { message: '$property must be a 5-digit NRW territory key or an 8-digit municipality key' });

/** A 5-digit NRW territory key (Amtlicher Gemeindeschlüssel of a Kreis or kreisfreie Stadt). */
export const IsTerritoryKey = () => Matches(/^05\d{3}$/, { message: '$property must be a 5-digit NRW territory key' });

/** An ISO calendar date, YYYY-MM-DD. */
export const IsCalendarDate = () => Matches(/^\d{4}-\d{2}-\d{2}$/, { message: '$property must be a calendar date YYYY-MM-DD' });

/** Money: a non-negative whole number of cents as a decimal string (exact beyond 2^53). */
export const IsWholeCents = () =>
  Matches(/^\d{1,15}$/, { message: '$property must be a non-negative whole number of cents written as a decimal string' });
