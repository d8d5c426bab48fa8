import type { FundingUnit } from '@ki/contracts';
import type { EntityManager } from 'typeorm';
import type { FundingFacts } from '../domain/announcement';

/** A result of the ledger for an opening, with the id of the event that carried it. */
export interface ArrivingFundingResult {
  openingEventId: string;
  eventId: string;
  centreId: string;
  hostBodyKey: string;
  funding: FundingFacts;
}

/**
 * Stores the ledger's results in one statement; answers the event ids of those stored. A result
 * for an opening that has one is not stored (the first result stands: the ledger decides once
 * per opening), nor is a second one for the same opening in `results`.
 */
export async function insertFundingResults(manager: EntityManager, results: ArrivingFundingResult[]): Promise<Set<string>> {
  if (results.length === 0) return new Set();
  const rows = results.map(fundingRow);
  const column = <K extends keyof FundingResultRow>(key: K) => rows.map((r) => r[key]);
  const stored: { eventId: string }[] = await manager.query(
    `INSERT INTO funding_results (opening_event_id, event_id, outcome, centre_id, host_body_key, fiscal_year, grant_cents,
                                  teacher_posts_hundredths, komm_an_cents, total_cents, rejection_reason, rejection_detail, known_on,
                                  programme_name, amount_unit, needed_amount, available_amount)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::uuid[], $5::text[], $6::int[], $7::numeric[], $8::int[],
                          $9::numeric[], $10::numeric[], $11::text[], $12::text[], $13::date[], $14::text[], $15::text[],
                          $16::numeric[], $17::numeric[])
     ON CONFLICT DO NOTHING
     RETURNING event_id AS "eventId"`,
    [
      column('openingEventId'),
      column('eventId'),
      column('outcome'),
      column('centreId'),
      column('hostBodyKey'),
      column('fiscalYear'),
      column('grantCents'),
      column('teacherPostsHundredths'),
      column('kommAnCents'),
      column('totalCents'),
      column('reason'),
      column('detail'),
      column('knownOn'),
      column('programmeName'),
      column('unit'),
      column('needed'),
      column('available'),
    ],
  );
  return new Set(stored.map((r) => r.eventId));
}

/** A result as one row of `funding_results`, in the order of its columns. */
function fundingRow({ openingEventId, eventId, centreId, hostBodyKey, funding }: ArrivingFundingResult) {
  const allocated = funding.outcome === 'allocated' ? funding : undefined;
  const rejected = funding.outcome === 'rejected' ? funding : undefined;
  return {
    openingEventId,
    eventId,
    outcome: funding.outcome,
    centreId,
    hostBodyKey,
    fiscalYear: funding.fiscalYear,
    grantCents: allocated?.grantCents ?? null,
    teacherPostsHundredths: allocated?.teacherPostsHundredths ?? null,
    kommAnCents: allocated?.kommAnCents ?? null,
    totalCents: allocated?.totalCents ?? null,
    reason: rejected?.reason ?? null,
    detail: rejected?.detail ?? null,
    knownOn: funding.knownOn,
    programmeName: rejected?.shortfall?.programmeName ?? null,
    unit: rejected?.shortfall?.unit ?? null,
    needed: rejected?.shortfall?.needed ?? null,
    available: rejected?.shortfall?.available ?? null,
  };
}

type FundingResultRow = ReturnType<typeof fundingRow>;

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
  return (await findFundingResults(manager, [openingEventId])).get(openingEventId);
}

/** The funding results stored for these openings, in one statement, by opening event id. */
export async function findFundingResults(manager: EntityManager, openingEventIds: string[]): Promise<Map<string, FundingFacts>> {
  if (openingEventIds.length === 0) return new Map();
  const rows: (FundingRow & { openingEventId: string })[] = await manager.query(
    `SELECT opening_event_id AS "openingEventId", outcome, fiscal_year AS "fiscalYear", grant_cents::text AS "grantCents",
            teacher_posts_hundredths AS "teacherPostsHundredths", komm_an_cents::text AS "kommAnCents", total_cents::text AS "totalCents",
            rejection_reason AS reason, rejection_detail AS detail, known_on::text AS "knownOn", programme_name AS "programmeName",
            amount_unit AS unit, needed_amount::text AS needed, available_amount::text AS available
     FROM funding_results WHERE opening_event_id = ANY($1::text[])`,
    [openingEventIds],
  );
  return new Map(rows.map((row) => [row.openingEventId, fundingFacts(row)]));
}

function fundingFacts(row: FundingRow): FundingFacts {
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
