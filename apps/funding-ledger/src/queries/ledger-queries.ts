import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import type { Page } from '@ki/platform';
import { DataSource } from 'typeorm';
import { Programme, PROGRAMMES } from '../programmes/programmes';

/** An account's balance (credits minus debits) as of a day, in its unit; amounts are decimal strings. */
export interface AccountBalance {
  accountId: string;
  kind: string;
  unit: string;
  programmeCode: string | null;
  fiscalYear: number | null;
  centreId: string | null;
  asOf: string;
  debits: string;
  credits: string;
  balance: string;
}

/** One line of a centre's statement. */
export interface StatementLine {
  transferId: string;
  valueDate: string;
  kind: string;
  programmeCode: string;
  fiscalYear: number;
  unit: string;
  /** Positive when the centre received, negative when it gave back. */
  amount: string;
  legalBasis: string;
  causedByEventId: string;
  reversesTransferId: string | null;
  recordedAt: string;
  /** `assumed` when the centre's opening date — which decides its opening-year shares — is an assumption of the history file. */
  openingDateStatus: 'documented' | 'assumed';
}

/** Use of one programme's budget in one fiscal year. */
export interface Utilisation {
  programmeCode: string;
  programmeName: string;
  fiscalYear: number;
  unit: string;
  budget: string;
  allocated: string;
  reversed: string;
  remaining: string;
  /** allocated − reversed as a share of the budget, in hundredths of a percent (integer, exact). */
  utilisationBasisPoints: number;
  centresFunded: number;
}

export interface DecisionRow {
  decisionId: string;
  centreId: string;
  fiscalYear: number;
  occasion: string;
  outcome: string;
  reason: string | null;
  detail: string | null;
  causedByEventId: string;
  decidedAt: string;
}

const BALANCE_SQL = `
  SELECT a.id AS "accountId", a.kind, a.unit, a.programme_code AS "programmeCode", a.fiscal_year AS "fiscalYear",
         a.centre_id AS "centreId",
         COALESCE(SUM(t.amount) FILTER (WHERE t.debit_account_id = a.id), 0)::text AS debits,
         COALESCE(SUM(t.amount) FILTER (WHERE t.credit_account_id = a.id), 0)::text AS credits,
         (COALESCE(SUM(t.amount) FILTER (WHERE t.credit_account_id = a.id), 0)
          - COALESCE(SUM(t.amount) FILTER (WHERE t.debit_account_id = a.id), 0))::text AS balance
    FROM ledger_accounts a
    LEFT JOIN ledger_transfers t ON (t.debit_account_id = a.id OR t.credit_account_id = a.id) AND t.value_date <= $2
   WHERE %WHERE%
   GROUP BY a.id
   ORDER BY a.id`;

/** Read side of the ledger: balances, statements, utilisation, decisions. */
@Injectable()
export class LedgerQueries {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(PROGRAMMES) private readonly programmes: Programme[],
  ) {}

  async balance(accountId: string, asOf: string): Promise<AccountBalance> {
    const [row] = await this.dataSource.query(BALANCE_SQL.replace('%WHERE%', 'a.id = $1'), [accountId, asOf]);
    if (!row) throw new NotFoundException(`no account ${accountId}`);
    return { ...row, asOf };
  }

  /** Accounts of the page, plus one more row when more follow (see pageOfRows). */
  async accounts(filter: { centreId?: string; fiscalYear?: number; kind?: string }, asOf: string, page: Page): Promise<AccountBalance[]> {
    const rows = await this.dataSource.query(
      `${BALANCE_SQL.replace(
        '%WHERE%',
        '($1::uuid IS NULL OR a.centre_id = $1) AND ($3::int IS NULL OR a.fiscal_year = $3) AND ($4::text IS NULL OR a.kind = $4)',
      )} LIMIT $5 OFFSET $6`,
      [filter.centreId ?? null, asOf, filter.fiscalYear ?? null, filter.kind ?? null, page.limit + 1, page.offset],
    );
    return rows.map((r: AccountBalance) => ({ ...r, asOf }));
  }

  /** The centre's transfers of the page, plus one more row when more follow. */
  async statement(centreId: string, fiscalYear: number | undefined, page: Page): Promise<StatementLine[]> {
    const lines: StatementLine[] = await this.dataSource.query(
      `SELECT id AS "transferId", to_char(value_date, 'YYYY-MM-DD') AS "valueDate", kind, programme_code AS "programmeCode",
              fiscal_year AS "fiscalYear", unit,
              (CASE WHEN kind = 'REVERSAL' THEN -amount ELSE amount END)::text AS amount,
              legal_basis AS "legalBasis", caused_by_event_id AS "causedByEventId", reverses_transfer_id AS "reversesTransferId",
              to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "recordedAt",
              COALESCE((SELECT opening_date_status FROM known_centres k WHERE k.centre_id = t.centre_id), 'documented')
                AS "openingDateStatus"
         FROM ledger_transfers t
        WHERE centre_id = $1 AND ($2::int IS NULL OR fiscal_year = $2)
        ORDER BY value_date, recorded_at, programme_code, id
        LIMIT $3 OFFSET $4`,
      [centreId, fiscalYear ?? null, page.limit + 1, page.offset],
    );
    if (lines.length === 0) {
      const known = await this.dataSource.query(`SELECT 1 FROM known_centres WHERE centre_id = $1`, [centreId]);
      if (known.length === 0) throw new NotFoundException(`the ledger knows no centre ${centreId}`);
    }
    return lines;
  }

  async utilisation(fiscalYear: number): Promise<Utilisation[]> {
    const rows: { programme_code: string; unit: string; budget: string; allocated: string; reversed: string; centres: number }[] =
      await this.dataSource.query(
        `SELECT programme_code, unit,
                COALESCE(SUM(amount) FILTER (WHERE kind = 'BUDGET'), 0)::text AS budget,
                COALESCE(SUM(amount) FILTER (WHERE kind = 'ALLOCATION'), 0)::text AS allocated,
                COALESCE(SUM(amount) FILTER (WHERE kind = 'REVERSAL'), 0)::text AS reversed,
                COUNT(DISTINCT centre_id) FILTER (WHERE kind = 'ALLOCATION')::int AS centres
           FROM ledger_transfers WHERE fiscal_year = $1
          GROUP BY programme_code, unit ORDER BY programme_code`,
        [fiscalYear],
      );
    return rows.map((r) => {
      const budget = BigInt(r.budget);
      const used = BigInt(r.allocated) - BigInt(r.reversed);
      return {
        programmeCode: r.programme_code,
        programmeName: this.programmes.find((p) => p.code === r.programme_code)?.name ?? r.programme_code,
        fiscalYear,
        unit: r.unit,
        budget: r.budget,
        allocated: r.allocated,
        reversed: r.reversed,
        remaining: (budget - used).toString(),
        utilisationBasisPoints: budget === 0n ? 0 : Number((used * 10_000n) / budget),
        centresFunded: r.centres,
      };
    });
  }

  /** Decisions of the page, plus one more row when more follow. */
  async decisions(filter: { centreId?: string; fiscalYear?: number }, page: Page): Promise<DecisionRow[]> {
    return this.dataSource.query(
      `SELECT id AS "decisionId", centre_id AS "centreId", fiscal_year AS "fiscalYear", occasion, outcome, reason, detail,
              caused_by_event_id AS "causedByEventId",
              to_char(decided_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "decidedAt"
         FROM funding_decisions
        WHERE ($1::uuid IS NULL OR centre_id = $1) AND ($2::int IS NULL OR fiscal_year = $2)
        ORDER BY decided_at, id
        LIMIT $3 OFFSET $4`,
      [filter.centreId ?? null, filter.fiscalYear ?? null, page.limit + 1, page.offset],
    );
  }
}

/** A cell a spreadsheet would read as a formula: it starts with =, +, -, @, a tab or a carriage return. */
const FORMULA_START = /^[=+\-@\t\r]/;
/** An amount or count (amounts are integer strings, reversals negative): it stays a number. */
const NUMBER = /^-?\d+(\.\d+)?$/;

/**
 * Renders rows as RFC 4180 CSV with a header line; fields with commas, quotes or line breaks are
 * quoted. A text cell that would start a formula gets a leading `'` (OWASP's advice against CSV
 * injection: a reason or legal basis is text from elsewhere); numbers are left as they are.
 */
export function toCsv<T extends object>(rows: T[], columns: (keyof T & string)[]): string {
  const cell = (value: unknown) => {
    const raw = value === null || value === undefined ? '' : String(value);
    const text = FORMULA_START.test(raw) && !NUMBER.test(raw) ? `'${raw}` : raw;
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return [columns.join(','), ...rows.map((row) => columns.map((c) => cell(row[c])).join(','))].join('\r\n') + '\r\n';
}
