import type { EntityManager } from 'typeorm';
import { budgetTermOf, Programme, Unit } from '../programmes/programmes';
import { stableId } from './stable-id';

/** Inserts the accounts given as a JSON array in parameter `param` that do not exist yet. */
const openAccountsSql = (param: string) => `INSERT INTO ledger_accounts (id, kind, unit, programme_code, fiscal_year, centre_id)
     SELECT id, kind, unit, "programmeCode", "fiscalYear", "centreId"
       FROM json_to_recordset(${param}::json) AS a(id text, kind text, unit text, "programmeCode" text, "fiscalYear" int, "centreId" uuid)
     ON CONFLICT (id) DO NOTHING`;

/** Inserts the transfers given as a JSON array in parameter `param`, skipping taken slots, returning the booked ids. */
const bookTransfersSql = (
  param: string,
) => `INSERT INTO ledger_transfers (id, debit_account_id, credit_account_id, unit, amount, kind, programme_code, fiscal_year,
                                   centre_id, value_date, legal_basis, caused_by_event_id, decision_id, reverses_transfer_id)
     SELECT id, debit, credit, unit, amount::bigint, kind, "programmeCode", "fiscalYear", "centreId", "valueDate", "legalBasis",
            "causedByEventId", "decisionId", "reversesTransferId"
       FROM json_to_recordset(${param}::json) AS t(id uuid, debit text, credit text, unit text, amount text, kind text, "programmeCode" text,
            "fiscalYear" int, "centreId" uuid, "valueDate" date, "legalBasis" text, "causedByEventId" text, "decisionId" uuid,
            "reversesTransferId" uuid)
     ON CONFLICT DO NOTHING
     RETURNING id`;

/** Amounts travel to PostgreSQL as decimal strings, so no bigint passes through a JSON number. */
const transfersJson = (transfers: NewTransfer[]) => JSON.stringify(transfers.map((t) => ({ ...t, amount: t.amount.toString() })));

export type TransferKind = 'BUDGET' | 'ALLOCATION' | 'REVERSAL';

/** Account ids are readable, so operators can ask for `budget:MAIS_KI_GRANT:2016` directly. */
export const AccountIds = {
  /** The Land NRW, source of all money and posts; the only account that may be overdrawn. */
  land: (unit: Unit) => `land-nrw:${unit}`,
  budget: (programmeCode: string, year: number) => `budget:${programmeCode}:${year}`,
  grant: (centreId: string, programmeCode: string, year: number) => `grant:${centreId}:${programmeCode}:${year}`,
};

/** A transfer to book: `amount` (> 0) moves from the debit account to the credit account. */
export interface NewTransfer {
  id: string;
  debit: string;
  credit: string;
  unit: Unit;
  amount: bigint;
  kind: TransferKind;
  programmeCode: string;
  fiscalYear: number;
  centreId: string | null;
  valueDate: string;
  legalBasis: string;
  causedByEventId: string;
  decisionId?: string;
  reversesTransferId?: string;
}

export interface NewAccount {
  id: string;
  kind: 'SOURCE' | 'BUDGET' | 'GRANT';
  unit: Unit;
  programmeCode?: string;
  fiscalYear?: number;
  centreId?: string;
}

/**
 * Opens the accounts the transfers need and books them, in one statement: the accounts are
 * inserted by a data-modifying CTE, which runs before the foreign keys of the transfers are checked.
 */
export async function openAccountsAndBook(manager: EntityManager, accounts: NewAccount[], transfers: NewTransfer[]): Promise<number> {
  const booked: unknown[] = await manager.query(`WITH opened_accounts AS (${openAccountsSql('$2')}) ${bookTransfersSql('$1')}`, [
    transfersJson(transfers),
    JSON.stringify(accounts),
  ]);
  return booked.length;
}

/**
 * Books transfers in one statement. A transfer whose id (or whose allocation, budget or reversal
 * slot) is already taken is skipped; the number actually booked is returned.
 */
export async function bookTransfers(manager: EntityManager, transfers: NewTransfer[]): Promise<number> {
  if (transfers.length === 0) return 0;
  const booked: unknown[] = await manager.query(bookTransfersSql('$1'), [transfersJson(transfers)]);
  return booked.length;
}

/**
 * Opens fiscal year `year` for every programme with a budget that year: the Land funds each
 * budget account once (the budget transfer's id is derived from programme and year).
 */
export async function openFiscalYear(manager: EntityManager, programmes: Programme[], year: number): Promise<void> {
  const funded = programmes.flatMap((p) => {
    const term = budgetTermOf(p, year);
    return term && term.yearlyBudget > 0n ? [{ programme: p, budget: term.yearlyBudget }] : [];
  });
  await openAccountsAndBook(
    manager,
    [
      ...[...new Set(funded.map((f) => f.programme.unit))].map((unit): NewAccount => ({ id: AccountIds.land(unit), kind: 'SOURCE', unit })),
      ...funded.map(({ programme }): NewAccount => ({
        id: AccountIds.budget(programme.code, year),
        kind: 'BUDGET',
        unit: programme.unit,
        programmeCode: programme.code,
        fiscalYear: year,
      })),
    ],
    funded.map(({ programme, budget }) => ({
      id: stableId('budget', programme.code, year),
      debit: AccountIds.land(programme.unit),
      credit: AccountIds.budget(programme.code, year),
      unit: programme.unit,
      amount: budget,
      kind: 'BUDGET',
      programmeCode: programme.code,
      fiscalYear: year,
      centreId: null,
      valueDate: `${year}-01-01`,
      legalBasis: `${programme.legalBasis}; Haushaltsansatz ${year}`,
      causedByEventId: `fiscal-year:${year}`,
    })),
  );
}

/**
 * Locks the budget accounts of `year` for `programmeCodes` (in id order, so concurrent allocations
 * never deadlock) and returns what is left in each, by programme code. The lock is what keeps two
 * ledger instances from both spending the last euro.
 */
export async function lockBudgets(manager: EntityManager, year: number, programmeCodes: string[]): Promise<Map<string, bigint>> {
  const rows: { programme_code: string; balance: string }[] = await manager.query(
    `SELECT programme_code, credits_posted - debits_posted AS balance FROM ledger_accounts
      WHERE id = ANY($1) ORDER BY id FOR UPDATE`,
    [programmeCodes.map((code) => AccountIds.budget(code, year))],
  );
  return new Map(rows.map((r) => [r.programme_code, BigInt(r.balance)]));
}
