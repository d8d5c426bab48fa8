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

/** An opening as it arrives, before it is stored. */
export type ArrivingOpening = Omit<OpeningRow, 'state'> & { historical: boolean };

/**
 * Records openings in one statement: each waits for its funding result until `waitMs` from now —
 * or, when it is `historical` (recorded later by the registry's history import), is `recorded`,
 * never to be announced. Answers the event ids of the openings not recorded before.
 */
export async function insertOpenings(manager: EntityManager, openings: ArrivingOpening[], waitMs: number): Promise<Set<string>> {
  const column = <K extends keyof ArrivingOpening>(key: K) => openings.map((o) => o[key] ?? null);
  const rows: { id: string }[] = await manager.query(
    `INSERT INTO openings (opened_event_id, centre_id, host_body_key, territory_key, host_body_name, ordinal, opened_on, place,
                           correlation_id, state, funding_due_at, seat, previous_ordinal, previous_closed_on, historical)
     SELECT id, centre_id, host_body_key, territory_key, host_body_name, ordinal, opened_on, place, correlation_id,
            CASE WHEN historical THEN 'recorded' ELSE 'waiting' END,
            CASE WHEN historical THEN NULL ELSE now() + make_interval(secs => $14::double precision / 1000) END,
            seat, previous_ordinal, previous_closed_on, historical
       FROM unnest($1::text[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::int[], $7::date[], $8::text[], $9::text[],
                   $10::text[], $11::int[], $12::date[], $13::boolean[])
         AS x(id, centre_id, host_body_key, territory_key, host_body_name, ordinal, opened_on, place, correlation_id,
              seat, previous_ordinal, previous_closed_on, historical)
     ON CONFLICT (opened_event_id) DO NOTHING
     RETURNING opened_event_id AS id`,
    [
      column('openingEventId'),
      column('centreId'),
      column('hostBodyKey'),
      column('territoryKey'),
      column('hostBodyName'),
      column('ordinal'),
      column('openedOn'),
      column('place'),
      column('correlationId'),
      column('seat'),
      column('previousOrdinal'),
      column('previousClosedOn'),
      column('historical'),
      waitMs,
    ],
  );
  return new Set(rows.map((r) => r.id));
}

/** The openings with these event ids, locked for this transaction in id order, by event id. */
export async function lockOpenings(manager: EntityManager, openingEventIds: string[]): Promise<Map<string, OpeningRow>> {
  const rows: OpeningRow[] = await manager.query(
    `SELECT ${COLUMNS} FROM openings WHERE opened_event_id = ANY($1::text[]) ORDER BY opened_event_id FOR UPDATE`,
    [openingEventIds],
  );
  return new Map(rows.map((r) => [r.openingEventId, r]));
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

export async function setOpeningStates(manager: EntityManager, states: { openingEventId: string; state: OpeningState }[]): Promise<void> {
  await manager.query(
    `UPDATE openings o SET state = x.state FROM unnest($1::text[], $2::text[]) AS x(id, state) WHERE o.opened_event_id = x.id`,
    [states.map((s) => s.openingEventId), states.map((s) => s.state)],
  );
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
 * Serialises everything that happens to these openings (arrival, funding result) across consumers
 * and instances until the transaction ends, so each sees what the other committed. One statement,
 * in a fixed order.
 */
export async function lockOpeningKeys(manager: EntityManager, openingEventIds: string[]): Promise<void> {
  if (openingEventIds.length === 0) return;
  await manager.query(
    `SELECT pg_advisory_xact_lock(hashtextextended('opening:' || id, 7))
       FROM (SELECT id FROM unnest($1::text[]) AS id ORDER BY id) AS ordered`,
    [openingEventIds],
  );
}
