/**
 * German number, money and date formatting for announcements. Money arrives as integer cents in
 * decimal strings and is formatted with BigInt arithmetic only, so no amount is ever rounded by
 * floating point.
 */

const MONTHS = ['Januar', 'Februar', 'März', 'April', 'Mai', 'Juni', 'Juli', 'August', 'September', 'Oktober', 'November', 'Dezember'];

/** Thousands separated by dots: 155833 → "155.833". */
export function groupThousands(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, '.');
}

/** Integer cents as German euros: "15583333" → "155.833,33 €", "0" → "0,00 €". */
export function formatEuroCents(cents: string): string {
  if (!/^-?\d+$/.test(cents)) throw new RangeError(`not a whole number of cents: ${JSON.stringify(cents)}`);
  const value = BigInt(cents);
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const euros = (abs / 100n).toString();
  const rest = (abs % 100n).toString().padStart(2, '0');
  return `${negative ? '-' : ''}${groupThousands(euros)},${rest} €`;
}

/** Hundredths as a German decimal without trailing zeros: 200 → "2", 350 → "3,5", 125 → "1,25". */
export function formatHundredths(hundredths: number): string {
  if (!Number.isSafeInteger(hundredths) || hundredths < 0) throw new RangeError(`not a count of hundredths: ${hundredths}`);
  const value = BigInt(hundredths);
  const whole = groupThousands((value / 100n).toString());
  const fraction = (value % 100n).toString().padStart(2, '0').replace(/0+$/, '');
  return fraction ? `${whole},${fraction}` : whole;
}

/** Teacher posts in hundredths: 200 → "2 Lehrerstellen", 100 → "1 Lehrerstelle", 150 → "1,5 Lehrerstellen". */
export function formatTeacherPosts(hundredths: number): string {
  return `${formatHundredths(hundredths)} ${hundredths === 100 ? 'Lehrerstelle' : 'Lehrerstellen'}`;
}

function dateParts(isoDate: string): { year: number; month: number; day: number } {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(isoDate);
  if (!match) throw new RangeError(`not a calendar date YYYY-MM-DD: ${JSON.stringify(isoDate)}`);
  const [year, month, day] = match.slice(1).map(Number);
  if (month < 1 || month > 12 || day < 1 || day > 31) throw new RangeError(`not a calendar date: ${isoDate}`);
  return { year, month, day };
}

/** "2016-02-12" → "12. Februar 2016". */
export function formatDateLong(isoDate: string): string {
  const { year, month, day } = dateParts(isoDate);
  return `${day}. ${MONTHS[month - 1]} ${year}`;
}

/** "2016-02-12" → "12.02.2016". */
export function formatDateShort(isoDate: string): string {
  const { year, month, day } = dateParts(isoDate);
  return `${String(day).padStart(2, '0')}.${String(month).padStart(2, '0')}.${year}`;
}

/** Year and month of an ISO date. */
export function yearAndMonth(isoDate: string): { year: number; month: number } {
  const { year, month } = dateParts(isoDate);
  return { year, month };
}

/** Calendar dates in Germany as YYYY-MM-DD (the en-CA form); built once, it is costly to create. */
const BERLIN_DATE = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Berlin', year: 'numeric', month: '2-digit', day: '2-digit' });

/** The calendar date of an instant in Germany (Europe/Berlin), YYYY-MM-DD. */
export function berlinDate(instant: Date): string {
  return BERLIN_DATE.format(instant);
}

/**
 * A place after "in", grammatical for the names of Kreise and regions: "Lüdinghausen" → "in
 * Lüdinghausen", "Kreis Coesfeld" → "im Kreis Coesfeld", "Rhein-Sieg-Kreis" → "im Rhein-Sieg-Kreis",
 * "Märkischer Kreis" → "im Märkischen Kreis", "Städteregion Aachen" → "in der Städteregion Aachen".
 */
export function inPlace(place: string): string {
  const adjectiveKreis = /^(\S+)er Kreis$/.exec(place);
  if (adjectiveKreis) return `im ${adjectiveKreis[1]}en Kreis`;
  if (/^(Kreis|Rhein-Kreis) /.test(place) || /kreis$/i.test(place)) return `im ${place}`;
  if (/^(Städteregion|Stadt) /.test(place)) return `in der ${place}`;
  return `in ${place}`;
}
