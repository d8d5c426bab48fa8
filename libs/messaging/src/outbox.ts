import { EnvelopeAttributes, EventContract } from '@ki/contracts';
import { childTraceparent, currentTrace, raiseAfterCommit } from '@ki/platform';
import type { EntityManager } from 'typeorm';
import { encodeEvent, EventOrigin } from './envelope-codec';

/** Raised when a transaction that added events commits: the relay of this process sends them at once. */
export const OUTBOX_COMMITTED = 'messaging.outbox';

/**
 * Writes events into the outbox table inside the caller's transaction, so the state change and
 * the events it causes commit together or not at all. The relay sends them afterwards.
 *
 * Correlation id, causation id and trace context default to those of the running request or
 * message handler.
 */
export class Outbox {
  constructor(private readonly source: string) {}

  /**
   * Validates and stores one event. An event with an id already in the outbox is skipped, so a
   * deterministic `origin.id` makes adding the same fact twice harmless.
   */
  async add<P extends object>(
    manager: EntityManager,
    contract: EventContract<P>,
    payload: P,
    origin: EventOrigin = {},
  ): Promise<EnvelopeAttributes> {
    const trace = currentTrace();
    const { envelope, message } = encodeEvent(contract, payload, this.source, {
      correlationId: trace?.correlationId,
      causationId: trace?.causationId,
      traceparent: childTraceparent(trace?.traceparent),
      ...origin,
    });
    await manager.query(
      `INSERT INTO messaging_outbox (event_id, event_type, topic, message_key, headers, payload)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (event_id) DO NOTHING`,
      [envelope.id, envelope.type, contract.topic, message.key, JSON.stringify(message.headers), message.value],
    );
    raiseAfterCommit(manager, OUTBOX_COMMITTED);
    return envelope;
  }
}
