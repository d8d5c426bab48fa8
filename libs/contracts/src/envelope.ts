/**
 * The envelope of every message: CloudEvents 1.0 attributes carried in Kafka headers
 * (Kafka protocol binding, binary content mode). The Kafka value is the JSON payload alone.
 */
export interface EventEnvelope<P = unknown> {
  /** Unique id of this message (`ce_id`); consumers deduplicate on it. */
  id: string;
  /** Versioned event type (`ce_type`), e.g. `ki.registry.centre-opened.v1`. */
  type: string;
  /** The producing service (`ce_source`), e.g. `/ki/registry`. */
  source: string;
  /** When the fact happened, ISO 8601 UTC (`ce_time`). */
  time: string;
  /** What the event is about (`ce_subject`): the host-body key for centre events. */
  subject: string;
  /** Id shared by every message caused, directly or not, by one request (`ce_correlationid`). */
  correlationId: string;
  /** Id of the message that caused this one (`ce_causationid`); absent for the first one. */
  causationId?: string;
  /** W3C trace context of the producing span (`ce_traceparent`). */
  traceparent?: string;
  /** The validated payload. */
  payload: P;
}

/** Kafka header names of the envelope attributes. */
export const EnvelopeHeaders = {
  specversion: 'ce_specversion',
  id: 'ce_id',
  type: 'ce_type',
  source: 'ce_source',
  time: 'ce_time',
  subject: 'ce_subject',
  correlationId: 'ce_correlationid',
  causationId: 'ce_causationid',
  traceparent: 'ce_traceparent',
  contentType: 'content-type',
} as const;

/** The headers every message must carry; consumers dead-letter a message without one. */
export const RequiredEnvelopeHeaders: readonly string[] = [
  EnvelopeHeaders.id,
  EnvelopeHeaders.type,
  EnvelopeHeaders.source,
  EnvelopeHeaders.time,
  EnvelopeHeaders.subject,
  EnvelopeHeaders.correlationId,
];

/**
 * What a `ce_id` may look like: 1 to 128 letters, digits and `.`, `_`, `:`, `-`, starting with a
 * letter or digit (UUIDs and the name-based ids of the services fit). Consumers store ids in their
 * inboxes and show them to operators, so anything else is dead-lettered.
 */
export const EVENT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

export type KafkaHeaders = Record<string, string>;

/** The Kafka headers for an envelope (its payload travels as the message value). */
export function envelopeToHeaders(envelope: Omit<EventEnvelope, 'payload'>): KafkaHeaders {
  const headers: KafkaHeaders = {
    [EnvelopeHeaders.specversion]: '1.0',
    [EnvelopeHeaders.id]: envelope.id,
    [EnvelopeHeaders.type]: envelope.type,
    [EnvelopeHeaders.source]: envelope.source,
    [EnvelopeHeaders.time]: envelope.time,
    [EnvelopeHeaders.subject]: envelope.subject,
    [EnvelopeHeaders.correlationId]: envelope.correlationId,
    [EnvelopeHeaders.contentType]: 'application/json',
  };
  if (envelope.causationId) headers[EnvelopeHeaders.causationId] = envelope.causationId;
  if (envelope.traceparent) headers[EnvelopeHeaders.traceparent] = envelope.traceparent;
  return headers;
}

/** Envelope attributes read back from Kafka headers; payload decoding is separate. */
export type EnvelopeAttributes = Omit<EventEnvelope, 'payload'>;
