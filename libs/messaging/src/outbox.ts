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
    const event = this.encode(contract, payload, origin);
    await this.addEncoded(manager, [event]);
    return event.envelope;
  }

  /**
   * Validates one event and builds its outbox row, with the correlation, causation and trace of
   * the code running now (a batch handler calls it in each event's `inTrace`); {@link addEncoded}
   * stores such rows together.
   */
  encode<P extends object>(contract: EventContract<P>, payload: P, origin: EventOrigin = {}): EncodedOutboxEvent {
    const trace = currentTrace();
    const { envelope, message } = encodeEvent(contract, payload, this.source, {
      correlationId: trace?.correlationId,
      causationId: trace?.causationId,
      traceparent: childTraceparent(trace?.traceparent),
      ...origin,
    });
    return { envelope, topic: contract.topic, key: message.key, headers: JSON.stringify(message.headers), value: String(message.value) };
  }

  /** Stores encoded events in one statement; as with {@link add}, an event id already in the outbox is skipped. */
  async addEncoded(manager: EntityManager, events: EncodedOutboxEvent[]): Promise<void> {
    if (events.length === 0) return;
    await manager.query(
      `INSERT INTO messaging_outbox (event_id, event_type, topic, message_key, headers, payload)
       SELECT event_id, event_type, topic, message_key, headers::jsonb, payload
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
           AS e(event_id, event_type, topic, message_key, headers, payload)
       ON CONFLICT (event_id) DO NOTHING`,
      [
        events.map((e) => e.envelope.id),
        events.map((e) => e.envelope.type),
        events.map((e) => e.topic),
        events.map((e) => e.key),
        events.map((e) => e.headers),
        events.map((e) => e.value),
      ],
    );
    raiseAfterCommit(manager, OUTBOX_COMMITTED);
  }
}

/** An event validated and ready for the outbox table. */
export interface EncodedOutboxEvent {
  envelope: EnvelopeAttributes;
  /** Logical topic (the relay adds the prefix). */
  topic: string;
  key: string;
  /** The CloudEvents headers as JSON. */
  headers: string;
  value: string;
}
