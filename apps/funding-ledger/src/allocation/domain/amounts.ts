import type { ReportAs } from '../../programmes/programmes';

/** Month (1–12) of a YYYY-MM-DD date. */
export const monthOf = (day: string): number => Number(day.slice(5, 7));

/** Year of a YYYY-MM-DD date. */
export const yearOf = (day: string): number => Number(day.slice(0, 4));

/** `amount × numerator / denominator`, rounded half up to a whole unit (cent or hundredth). */
export function fraction(amount: bigint, numerator: number, denominator: number): bigint {
  return (amount * BigInt(numerator) * 2n + BigInt(denominator)) / (BigInt(denominator) * 2n);
}

/**
 * Opening-year policy PRO_RATA_FULL_MONTHS: a centre opened in month m gets (13 − m)/12 of the
 * yearly amount, counting the opening month as full (opened 12 Feb → 11/12). Rounded half up
 * to the cent; the remainder stays in the budget.
 */
export function proRataFullMonths(yearly: bigint, openedOn: string): bigint {
  return fraction(yearly, 13 - monthOf(openedOn), 12);
}

/**
 * Splits `pot` into equal shares for `keys` (in the given order) so that the shares sum exactly
 * to the pot: the first `pot mod n` keys get one unit more.
 */
export function splitEvenly<K>(pot: bigint, keys: readonly K[]): Map<K, bigint> {
  const shares = new Map<K, bigint>();
  if (keys.length === 0) return shares;
  const n = BigInt(keys.length);
  const base = pot / n;
  const extra = pot % n;
  keys.forEach((key, i) => shares.set(key, base + (BigInt(i) < extra ? 1n : 0n)));
  return shares;
}

/**
 * Closing policy — what a centre keeps of an allocation for fiscal year `fiscalYear` when it
 * closes on `closedOn`. The same rule serves both orders of events: a closing after the
 * allocation reverses `booked − kept`; an allocation decided after the closing books only `kept`,
 * so the books end the same whichever event arrives first.
 * - closed in a later year: everything; closed in an earlier year: nothing;
 * - in the closing year: the grant for the months from the first funded month up to and
 *   including the closing month; no teacher posts (the teachers go back to their schools);
 *   KOMM-AN NRW money in full (a one-off yearly allowance).
 */
export function keptAfterClosure(
  reportAs: ReportAs,
  booked: bigint,
  yearly: bigint | undefined,
  firstFundedMonth: number,
  fiscalYear: number,
  closedOn: string,
): bigint {
  const closingYear = yearOf(closedOn);
  if (closingYear > fiscalYear) return booked;
  if (closingYear < fiscalYear || reportAs === 'TEACHER_POSTS') return 0n;
  if (reportAs === 'KOMM_AN') return booked;
  if (yearly === undefined) throw new Error('a grant needs its yearly amount to be prorated');
  const months = monthOf(closedOn) - firstFundedMonth + 1;
  if (months <= 0) return 0n;
  const kept = fraction(yearly, months, 12);
  return kept < booked ? kept : booked;
}
