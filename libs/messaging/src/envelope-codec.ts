import { randomUUID } from 'node:crypto';
import {
  ContractViolation,
  EnvelopeAttributes,
  EnvelopeHeaders,
  EVENT_ID_PATTERN,
  RequiredEnvelopeHeaders,
  envelopeToHeaders,
  EventContract,
  validatePayload,
} from '@ki/contracts';
import type { IHeaders, Message } from 'kafkajs';
import { v7 as uuidv7 } from 'uuid';

/** The raw value of one Kafka header: kafkajs gives Buffers, and arrays for repeated headers (the last counts). */
function rawHeader(headers: IHeaders | undefined, name: string): Buffer | string | undefined {
  const raw = headers?.[name];
  return Array.isArray(raw) ? raw[raw.length - 1] : raw;
}

/** Reads one Kafka header as a string. */
export function headerValue(headers: IHeaders | undefined, name: string): string | undefined {
  return rawHeader(headers, name)?.toString();
}

/** All headers as strings, for logs, dead letters and the console. */
export function headersAsStrings(headers: IHeaders | undefined): Record<string, string> {
  return Object.fromEntries(Object.keys(headers ?? {}).map((k) => [k, headerValue(headers, k) ?? '']));
}

/** Whether a header is there and not empty, without decoding it. */
function isPresent(headers: IHeaders | undefined, name: string): boolean {
  return (rawHeader(headers, name)?.length ?? 0) > 0;
}

/**
 * The envelope of a consumed message. Consumers read every message's id, type, correlation and
 * trace at once; the attributes few handlers look at are decoded when asked for.
 */
class ConsumedEnvelope implements EnvelopeAttributes {
  readonly id: string;
  readonly type: string;
  readonly correlationId: string;
  readonly traceparent: string | undefined;

  constructor(private readonly headers: IHeaders | undefined) {
    this.id = headerValue(headers, EnvelopeHeaders.id) ?? '';
    this.type = headerValue(headers, EnvelopeHeaders.type) ?? '';
    this.correlationId = headerValue(headers, EnvelopeHeaders.correlationId) ?? '';
    this.traceparent = headerValue(headers, EnvelopeHeaders.traceparent);
  }

  get source(): string {
    return headerValue(this.headers, EnvelopeHeaders.source) ?? '';
  }

  get time(): string {
    return headerValue(this.headers, EnvelopeHeaders.time) ?? '';
  }

  get subject(): string {
    return headerValue(this.headers, EnvelopeHeaders.subject) ?? '';
  }

  get causationId(): string | undefined {
    return headerValue(this.headers, EnvelopeHeaders.causationId);
  }
}

/** The envelope attributes of a consumed message; missing required headers or a malformed `ce_id` are a contract violation. */
export function readEnvelope(headers: IHeaders | undefined): EnvelopeAttributes {
  const missing = RequiredEnvelopeHeaders.filter((name) => !isPresent(headers, name));
  if (missing.length > 0)
    throw new ContractViolation(
      'CONTRACT.MISSING_HEADER',
      missing.map((name) => `header ${name} is missing`),
    );
  const envelope = new ConsumedEnvelope(headers);
  if (!EVENT_ID_PATTERN.test(envelope.id))
    throw new ContractViolation('CONTRACT.INVALID_HEADER', [
      `header ${EnvelopeHeaders.id} must be 1 to 128 letters, digits, ".", "_", ":" or "-" starting with a letter or digit (got ${envelope.id.length} characters)`,
    ]);
  return envelope;
}

/** Where an event comes from: what caused it and the request or trace it belongs to. */
export interface EventOrigin {
  /** Correlation id to keep; a new one is made when absent. */
  correlationId?: string;
  /** Id of the message that caused this one. */
  causationId?: string;
  traceparent?: string;
  /** Id of the new message; a new UUIDv7 when absent. Give a deterministic one to make re-publishing idempotent. */
  id?: string;
  /** When the fact happened; now when absent. */
  time?: Date;
}

/** A validated event ready for Kafka: the physical topic is chosen by the sender. */
export interface EncodedEvent {
  envelope: EnvelopeAttributes;
  message: Message & { key: string; headers: Record<string, string> };
}

/** Validates a payload against its contract and builds the Kafka message (key, CloudEvents headers, JSON value). */
export function encodeEvent<P extends object>(
  contract: EventContract<P>,
  payload: P,
  source: string,
  origin: EventOrigin = {},
): EncodedEvent {
  const valid = validatePayload(contract, payload);
  const key = contract.key(valid);
  const envelope: EnvelopeAttributes = {
    // Time-ordered (RFC 9562 version 7): each inbox and outbox appends to the right edge of its
    // event-id index instead of splitting pages all over it, a third less database work per event.
    id: origin.id ?? uuidv7(),
    type: contract.type,
    source,
    time: (origin.time ?? new Date()).toISOString(),
    subject: key,
    correlationId: origin.correlationId ?? randomUUID(),
    causationId: origin.causationId,
    traceparent: origin.traceparent,
  };
  return { envelope, message: { key, value: JSON.stringify(valid), headers: envelopeToHeaders(envelope) } };
}
