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
 * Closing policy: a centre keeps the grant for the months from the first funded month up to and
 * including the closing month; the rest of what was booked for that year goes back to the budget.
 * Teacher posts are returned in full (the teachers go back to their schools); KOMM-AN NRW money
 * is a one-off yearly allowance and stays with the centre.
 */
export function unusedGrant(booked: bigint, yearly: bigint, firstFundedMonth: number, closedOn: string): bigint {
  const kept = fraction(yearly, monthOf(closedOn) - firstFundedMonth + 1, 12);
  return kept >= booked ? 0n : booked - kept;
}
