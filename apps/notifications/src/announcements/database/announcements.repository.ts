import type { AllocationRejectionReason, AnnouncedFundingStatus, AnnouncementKind } from '@ki/contracts';
import type { EntityManager } from 'typeorm';
import type { OpeningFacts } from '../domain/announcement';

/** An announcement as stored and shown by the API. */
export interface AnnouncementRecord extends OpeningFacts {
  id: string;
  number: string;
  kind: AnnouncementKind;
  announcedOn: string;
  title: string;
  text: string;
  fundingStatus: AnnouncedFundingStatus;
  fiscalYear: number | null;
  grantCents: string | null;
  teacherPostsHundredths: number | null;
  kommAnCents: string | null;
  totalCents: string | null;
  rejectionReason: AllocationRejectionReason | null;
  rejectionDetail: string | null;
  correlationId: string;
  publishedAt: Date;
}

const COLUMNS = `
  id, number, kind, announced_on::text AS "announcedOn", title, text, opening_event_id AS "openingEventId",
  centre_id AS "centreId", host_body_key AS "hostBodyKey", host_body_name AS "hostBodyName", ordinal,
  opened_on::text AS "openedOn", place, funding_status AS "fundingStatus", fiscal_year AS "fiscalYear",
  grant_cents::text AS "grantCents", teacher_posts_hundredths AS "teacherPostsHundredths",
  komm_an_cents::text AS "kommAnCents", total_cents::text AS "totalCents", rejection_reason AS "rejectionReason",
  rejection_detail AS "rejectionDetail", correlation_id AS "correlationId", published_at AS "publishedAt"`;

/** An announcement to store, with its place in the year's numbering. */
export type NewAnnouncement = Omit<AnnouncementRecord, 'publishedAt'> & { year: number; running: number };

/**
 * The next running numbers of their years, one for each entry of `years`, in order. A year's
 * counter row stays locked until the transaction ends, so numbers have no gaps.
 */
export async function takeRunningNumbers(manager: EntityManager, years: number[]): Promise<{ year: number; running: number }[]> {
  const counts = new Map<number, number>();
  for (const year of years) counts.set(year, (counts.get(year) ?? 0) + 1);
  const next = new Map<number, number>();
  // Years ascending, so two transactions lock the counters in the same order.
  for (const [year, count] of [...counts].sort(([a], [b]) => a - b)) {
    const [{ last }]: { last: number }[] = await manager.query(
      `INSERT INTO announcement_numbers (year, last) VALUES ($1, $2)
       ON CONFLICT (year) DO UPDATE SET last = announcement_numbers.last + $2
       RETURNING last`,
      [year, count],
    );
    next.set(year, last - count + 1);
  }
  return years.map((year) => {
    const running = next.get(year) as number;
    next.set(year, running + 1);
    return { year, running };
  });
}

export const announcementKey = (openingEventId: string, kind: AnnouncementKind) => `${kind}:${openingEventId}`;

/** Which of these openings were announced with that kind before, as {@link announcementKey}s. */
export async function announcedBefore(
  manager: EntityManager,
  announcements: { openingEventId: string; kind: AnnouncementKind }[],
): Promise<Set<string>> {
  const rows: { openingEventId: string; kind: AnnouncementKind }[] = await manager.query(
    `SELECT a.opening_event_id AS "openingEventId", a.kind
     FROM announcements a JOIN unnest($1::text[], $2::text[]) AS x(opening_event_id, kind)
       ON a.opening_event_id = x.opening_event_id AND a.kind = x.kind`,
    [announcements.map((a) => a.openingEventId), announcements.map((a) => a.kind)],
  );
  return new Set(rows.map((r) => announcementKey(r.openingEventId, r.kind)));
}

/** Stores announcements in one statement, in order (their `seq` follows it); answers them as stored. */
export async function insertAnnouncements(manager: EntityManager, announcements: NewAnnouncement[]): Promise<AnnouncementRecord[]> {
  if (announcements.length === 0) return [];
  const column = <K extends keyof NewAnnouncement>(key: K) => announcements.map((a) => a[key] ?? null);
  return manager.query(
    `INSERT INTO announcements (id, number, year, running, kind, opening_event_id, announced_on, title, text, centre_id,
                                host_body_key, host_body_name, ordinal, opened_on, place, funding_status, fiscal_year,
                                grant_cents, teacher_posts_hundredths, komm_an_cents, total_cents, rejection_reason,
                                rejection_detail, correlation_id)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::int[], $4::int[], $5::text[], $6::text[], $7::date[], $8::text[], $9::text[],
                          $10::uuid[], $11::text[], $12::text[], $13::int[], $14::date[], $15::text[], $16::text[], $17::int[],
                          $18::numeric[], $19::int[], $20::numeric[], $21::numeric[], $22::text[], $23::text[], $24::text[])
     RETURNING ${COLUMNS}`,
    [
      column('id'),
      column('number'),
      column('year'),
      column('running'),
      column('kind'),
      column('openingEventId'),
      column('announcedOn'),
      column('title'),
      column('text'),
      column('centreId'),
      column('hostBodyKey'),
      column('hostBodyName'),
      column('ordinal'),
      column('openedOn'),
      column('place'),
      column('fundingStatus'),
      column('fiscalYear'),
      column('grantCents'),
      column('teacherPostsHundredths'),
      column('kommAnCents'),
      column('totalCents'),
      column('rejectionReason'),
      column('rejectionDetail'),
      column('correlationId'),
    ],
  );
}

/** Announcements, newest first. */
export async function listAnnouncements(
  manager: EntityManager,
  filter: { limit: number; kind?: AnnouncementKind; hostBodyKey?: string },
): Promise<AnnouncementRecord[]> {
  return manager.query(
    `SELECT ${COLUMNS} FROM announcements
     WHERE ($2::text IS NULL OR kind = $2) AND ($3::text IS NULL OR host_body_key = $3)
     ORDER BY seq DESC LIMIT $1`,
    [filter.limit, filter.kind ?? null, filter.hostBodyKey ?? null],
  );
}

export async function findAnnouncement(manager: EntityManager, id: string): Promise<AnnouncementRecord | undefined> {
  const rows: AnnouncementRecord[] = await manager.query(`SELECT ${COLUMNS} FROM announcements WHERE id = $1`, [id]);
  return rows[0];
}

export async function findAnnouncements(manager: EntityManager, ids: string[]): Promise<AnnouncementRecord[]> {
  return manager.query(`SELECT ${COLUMNS} FROM announcements WHERE id = ANY($1::uuid[])`, [ids]);
}
