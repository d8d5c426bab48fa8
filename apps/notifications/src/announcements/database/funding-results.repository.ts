import type { FundingUnit } from '@ki/contracts';
import type { EntityManager } from 'typeorm';
import type { FundingFacts } from '../domain/announcement';

/**
 * Stores the ledger's result for an opening; false when one was stored before (the first result
 * stands: the ledger decides once per opening).
 */
export async function insertFundingResult(
  manager: EntityManager,
  result: { openingEventId: string; eventId: string; centreId: string; hostBodyKey: string; funding: FundingFacts },
): Promise<boolean> {
  const { funding } = result;
  const allocated = funding.outcome === 'allocated' ? funding : undefined;
  const rejected = funding.outcome === 'rejected' ? funding : undefined;
  const rows: unknown[] = await manager.query(
    `INSERT INTO funding_results (opening_event_id, event_id, outcome, centre_id, host_body_key, fiscal_year, grant_cents,
                                  teacher_posts_hundredths, komm_an_cents, total_cents, rejection_reason, rejection_detail, known_on,
                                  programme_name, amount_unit, needed_amount, available_amount)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
     ON CONFLICT DO NOTHING
     RETURNING opening_event_id`,
    [
      result.openingEventId,
      result.eventId,
      funding.outcome,
      result.centreId,
      result.hostBodyKey,
      funding.fiscalYear,
      allocated?.grantCents ?? null,
      allocated?.teacherPostsHundredths ?? null,
      allocated?.kommAnCents ?? null,
      allocated?.totalCents ?? null,
      rejected?.reason ?? null,
      rejected?.detail ?? null,
      funding.knownOn,
      rejected?.shortfall?.programmeName ?? null,
      rejected?.shortfall?.unit ?? null,
      rejected?.shortfall?.needed ?? null,
      rejected?.shortfall?.available ?? null,
    ],
  );
  return rows.length > 0;
}

interface FundingRow {
  outcome: 'allocated' | 'rejected';
  fiscalYear: number;
  grantCents: string | null;
  teacherPostsHundredths: number | null;
  kommAnCents: string | null;
  totalCents: string | null;
  reason: string | null;
  detail: string | null;
  knownOn: string;
  programmeName: string | null;
  unit: FundingUnit | null;
  needed: string | null;
  available: string | null;
}

/** The funding result stored for an opening, if any. */
export async function findFundingResult(manager: EntityManager, openingEventId: string): Promise<FundingFacts | undefined> {
  const rows: FundingRow[] = await manager.query(
    `SELECT outcome, fiscal_year AS "fiscalYear", grant_cents::text AS "grantCents", teacher_posts_hundredths AS "teacherPostsHundredths",
            komm_an_cents::text AS "kommAnCents", total_cents::text AS "totalCents", rejection_reason AS reason,
            rejection_detail AS detail, known_on::text AS "knownOn", programme_name AS "programmeName", amount_unit AS unit,
            needed_amount::text AS needed, available_amount::text AS available
     FROM funding_results WHERE opening_event_id = $1`,
    [openingEventId],
  );
  const row = rows[0];
  if (!row) return undefined;
  if (row.outcome === 'allocated') {
    return {
      outcome: 'allocated',
      fiscalYear: row.fiscalYear,
      grantCents: row.grantCents ?? '0',
      teacherPostsHundredths: row.teacherPostsHundredths ?? 0,
      kommAnCents: row.kommAnCents ?? '0',
      totalCents: row.totalCents ?? '0',
      knownOn: row.knownOn,
    };
  }
  return {
    outcome: 'rejected',
    fiscalYear: row.fiscalYear,
    reason: row.reason as Extract<FundingFacts, { outcome: 'rejected' }>['reason'],
    detail: row.detail ?? '',
    shortfall:
      row.programmeName && row.unit && row.needed && row.available
        ? { programmeName: row.programmeName, unit: row.unit, needed: row.needed, available: row.available }
        : undefined,
    knownOn: row.knownOn,
  };
}
