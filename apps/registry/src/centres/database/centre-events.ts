import { EventContract } from '@ki/contracts';
import { EncodedOutboxEvent, Outbox } from '@ki/messaging';
import type { EntityManager } from 'typeorm';

/** An event of a centre, encoded for the outbox (in the trace of the request that caused it). */
export interface CentreEvent {
  centreId: string;
  event: EncodedOutboxEvent;
  payload: object;
}

/** Writes an event of a centre to the outbox and to the centre's history, in the caller's transaction. */
export async function recordCentreEvent<P extends object>(
  manager: EntityManager,
  outbox: Outbox,
  centreId: string,
  contract: EventContract<P>,
  payload: P,
): Promise<string> {
  const event = outbox.encode(contract, payload);
  await recordCentreEvents(manager, outbox, [{ centreId, event, payload }]);
  return event.envelope.id;
}

/** Writes events of centres to the outbox and to their histories, one statement each, in the caller's transaction. */
export async function recordCentreEvents(manager: EntityManager, outbox: Outbox, events: CentreEvent[]): Promise<void> {
  if (events.length === 0) return;
  await outbox.addEncoded(
    manager,
    events.map((e) => e.event),
  );
  await manager.query(
    `INSERT INTO centre_history (centre_id, event_id, event_type, payload)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::jsonb[])`,
    [
      events.map((e) => e.centreId),
      events.map((e) => e.event.envelope.id),
      events.map((e) => e.event.envelope.type),
      events.map((e) => JSON.stringify(e.payload)),
    ],
  );
}
