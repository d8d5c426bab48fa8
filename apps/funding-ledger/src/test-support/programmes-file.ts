import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Yearly MAIS grant per centre in the test programmes, in cents (as the shipped one). */
export const TEST_GRANT = 17_000_000n;

/**
 * Writes a programme configuration with MAIS grants and MSW teacher posts only, paid pro rata in
 * the opening year, with the given yearly budgets; returns its path for LEDGER_PROGRAMMES_FILE.
 */
export function writeProgrammesFile(budgets: { grantCents: bigint; postsHundredths: bigint }): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ki-ledger-')), 'programmes.json');
  const programme = (code: string, unit: string, reportAs: string, amount: bigint, yearlyBudget: bigint) => ({
    code,
    name: code,
    unit,
    reportAs,
    legalBasis: 'test basis',
    terms: [
      {
        validFrom: '2013-01-01',
        share: { kind: 'PER_CENTRE', amount: amount.toString() },
        openingYear: 'PRO_RATA_FULL_MONTHS',
        yearlyBudget: yearlyBudget.toString(),
      },
    ],
  });
  fs.writeFileSync(
    file,
    JSON.stringify({
      programmes: [
        programme('MAIS_KI_GRANT', 'EUR_CENT', 'GRANT', TEST_GRANT, budgets.grantCents),
        { ...programme('MSW_TEACHER_POSTS', 'POST_HUNDREDTH', 'TEACHER_POSTS', 200n, budgets.postsHundredths), valuePerUnitCents: '50000' },
      ],
    }),
  );
  return file;
}
