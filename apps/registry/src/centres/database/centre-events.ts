import { EventContract } from '@ki/contracts';
import { Outbox } from '@ki/messaging';
import type { EntityManager } from 'typeorm';

/** Writes an event of a centre to the outbox and to the centre's history, in the caller's transaction. */
export async function recordCentreEvent<P extends object>(
  manager: EntityManager,
  outbox: Outbox,
  centreId: string,
  contract: EventContract<P>,
  payload: P,
): Promise<string> {
  const envelope = await outbox.add(manager, contract, payload);
  await manager.query(`INSERT INTO centre_history (centre_id, event_id, event_type, payload) VALUES ($1, $2, $3, $4)`, [
    centreId,
    envelope.id,
    envelope.type,
    JSON.stringify(payload),
  ]);
  return envelope.id;
}
