/** Aligns rows under their headers, two spaces apart; the last column is not padded. */
export function table(headers: string[], rows: (string | number | undefined | null)[][]): string {
  const cells = [headers, ...rows.map((row) => row.map((cell) => (cell === undefined || cell === null ? '' : String(cell))))];
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => [...(row[i] ?? '')].length)));
  return cells
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell + ' '.repeat(widths[i] - [...cell].length)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** Rewrites the console's amounts ("155,833.33 EUR") the German way ("155.833,33 €"). */
export function germanAmounts(text: string): string {
  return text.replace(
    /(-?\d{1,3}(?:,\d{3})*)\.(\d{2}) EUR/g,
    (_, euros: string, cents: string) => `${euros.replace(/,/g, '.')},${cents} €`,
  );
}

/** Prints a value as the API gave it: one JSON document on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Prints lines for people on stdout. */
export function printLines(text: string): void {
  if (text) process.stdout.write(`${text}\n`);
}
