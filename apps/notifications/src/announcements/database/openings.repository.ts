import type { EntityManager } from 'typeorm';
import type { OpeningFacts, OpeningState } from '../domain/announcement';

/** An opening as stored, with where it stands. */
export interface OpeningRow extends OpeningFacts {
  territoryKey: string;
  state: OpeningState;
  correlationId: string;
}

const COLUMNS = `
  opened_event_id AS "openingEventId", centre_id AS "centreId", host_body_key AS "hostBodyKey",
  territory_key AS "territoryKey", host_body_name AS "hostBodyName", ordinal, opened_on::text AS "openedOn",
  place, seat, previous_ordinal AS "previousOrdinal", to_char(previous_closed_on, 'YYYY-MM-DD') AS "previousClosedOn",
  state, correlation_id AS "correlationId"`;

/**
 * Records an opening that waits for its funding result until `waitMs` from now — or, when it is
 * `historical` (recorded later by the registry's history import), as `recorded`, never to be
 * announced. False if it was recorded before.
 */
export async function insertOpening(
  manager: EntityManager,
  opening: Omit<OpeningRow, 'state'> & { historical: boolean },
  waitMs: number,
): Promise<boolean> {
  const rows: unknown[] = await manager.query(
    `INSERT INTO openings (opened_event_id, centre_id, host_body_key, territory_key, host_body_name, ordinal, opened_on, place,
                           correlation_id, state, funding_due_at, seat, previous_ordinal, previous_closed_on, historical)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9,
             CASE WHEN $14 THEN 'recorded' ELSE 'waiting' END,
             CASE WHEN $14 THEN NULL ELSE now() + make_interval(secs => $10::double precision / 1000) END,
             $11, $12, $13, $14)
     ON CONFLICT (opened_event_id) DO NOTHING
     RETURNING opened_event_id`,
    [
      opening.openingEventId,
      opening.centreId,
      opening.hostBodyKey,
      opening.territoryKey,
      opening.hostBodyName,
      opening.ordinal,
      opening.openedOn,
      opening.place,
      opening.correlationId,
      waitMs,
      opening.seat ?? null,
      opening.previousOrdinal ?? null,
      opening.previousClosedOn ?? null,
      opening.historical,
    ],
  );
  return rows.length > 0;
}

/** The opening with this event id, locked for this transaction (waits for another one holding it). */
export async function lockOpening(manager: EntityManager, openingEventId: string): Promise<OpeningRow | undefined> {
  const rows: OpeningRow[] = await manager.query(`SELECT ${COLUMNS} FROM openings WHERE opened_event_id = $1 FOR UPDATE`, [openingEventId]);
  return rows[0];
}

/**
 * The next opening whose wait for its funding is over, locked; openings another instance or a
 * funding handler holds are skipped (they are being dealt with).
 */
export async function claimOpeningDueForAnnouncement(manager: EntityManager): Promise<OpeningRow | undefined> {
  const rows: OpeningRow[] = await manager.query(
    `SELECT ${COLUMNS} FROM openings
     WHERE state = 'waiting' AND funding_due_at <= now()
     ORDER BY funding_due_at
     LIMIT 1
     FOR UPDATE SKIP LOCKED`,
  );
  return rows[0];
}

export async function setOpeningState(manager: EntityManager, openingEventId: string, state: OpeningState): Promise<void> {
  await manager.query(`UPDATE openings SET state = $2 WHERE opened_event_id = $1`, [openingEventId, state]);
}

/** Parks a waiting opening with the error that stopped its announcement; false if it is no longer waiting. */
export async function parkOpening(manager: EntityManager, openingEventId: string, failure: string): Promise<boolean> {
  const [rows]: [unknown[], number] = await manager.query(
    `UPDATE openings SET state = 'parked', failure = $2, parked_at = now()
     WHERE opened_event_id = $1 AND state = 'waiting'
     RETURNING opened_event_id`,
    [openingEventId, failure],
  );
  return rows.length > 0;
}

/**
 * Serialises everything that happens to one opening (its arrival, its funding result) across
 * consumers and instances until the transaction ends, so each sees what the other committed.
 */
export async function lockOpeningKey(manager: EntityManager, openingEventId: string): Promise<void> {
  await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 7))`, [`opening:${openingEventId}`]);
}
