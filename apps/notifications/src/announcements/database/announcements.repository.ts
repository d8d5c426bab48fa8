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

/** The next running number of a year; the counter row stays locked until the transaction ends, so numbers have no gaps. */
export async function nextRunningNumber(manager: EntityManager, year: number): Promise<number> {
  const [{ last }]: { last: number }[] = await manager.query(
    `INSERT INTO announcement_numbers (year, last) VALUES ($1, 1)
     ON CONFLICT (year) DO UPDATE SET last = announcement_numbers.last + 1
     RETURNING last`,
    [year],
  );
  return last;
}

export async function announcementExists(manager: EntityManager, openingEventId: string, kind: AnnouncementKind): Promise<boolean> {
  const rows: unknown[] = await manager.query(`SELECT 1 FROM announcements WHERE opening_event_id = $1 AND kind = $2`, [
    openingEventId,
    kind,
  ]);
  return rows.length > 0;
}

export async function insertAnnouncement(
  manager: EntityManager,
  a: Omit<AnnouncementRecord, 'publishedAt'> & { year: number; running: number },
): Promise<AnnouncementRecord> {
  const rows: AnnouncementRecord[] = await manager.query(
    `INSERT INTO announcements (id, number, year, running, kind, opening_event_id, announced_on, title, text, centre_id,
                                host_body_key, host_body_name, ordinal, opened_on, place, funding_status, fiscal_year,
                                grant_cents, teacher_posts_hundredths, komm_an_cents, total_cents, rejection_reason,
                                rejection_detail, correlation_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24)
     RETURNING ${COLUMNS}`,
    [
      a.id,
      a.number,
      a.year,
      a.running,
      a.kind,
      a.openingEventId,
      a.announcedOn,
      a.title,
      a.text,
      a.centreId,
      a.hostBodyKey,
      a.hostBodyName,
      a.ordinal,
      a.openedOn,
      a.place,
      a.fundingStatus,
      a.fiscalYear,
      a.grantCents,
      a.teacherPostsHundredths,
      a.kommAnCents,
      a.totalCents,
      a.rejectionReason,
      a.rejectionDetail,
      a.correlationId,
    ],
  );
  return rows[0];
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
