import { EnvelopeHeaders, findContract, Topics, validatePayload } from '@ki/contracts';

/** The `dlq_*` headers of a dead letter, read back. */
export interface DeadLetterInfo {
  originalTopic: string;
  originalPartition: number;
  originalOffset: string;
  errorCode: string;
  error: string;
  attempts: number;
  consumerGroup: string;
  failedAt: string;
}

/** A message of one of the system's topics as the index keeps it. */
export interface IndexedMessage {
  /** Order in which the index first stored it; 0 before it is stored. */
  seq: number;
  /** Base topic name (without the environment's prefix). */
  topic: string;
  partition: number;
  offset: string;
  /** Kafka timestamp (append or create time), ISO 8601. */
  receivedAt: string;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
  /** The value as JSON; undefined when it is no JSON or kept only in part. */
  payload: unknown;
  /** Bytes of key, value and headers on the topic. */
  size: number;
  id?: string;
  type?: string;
  source?: string;
  time?: string;
  correlationId?: string;
  causationId?: string;
  /** Host body the message is about: its payload's hostBodyKey. */
  hostBodyKey?: string;
  /** Why the payload breaks its contract; undefined for a valid one (or a message of an unknown type). */
  invalid?: string;
  /** Set for a message of the dead-letter topic. */
  deadLetter?: DeadLetterInfo;
  /** The index keeps only the start of a large value (no payload) or of a long header: the full message is read from its topic. */
  truncated?: boolean;
}

/** Most characters of a value the index keeps; a larger one is kept truncated, without its parsed payload. */
export const MAX_KEPT_VALUE_CHARS = 64 * 1024;
/** Most characters of one header value, and most headers, the index keeps of a message. */
export const MAX_KEPT_HEADER_CHARS = 4 * 1024;
export const MAX_KEPT_HEADERS = 64;
/** Most characters of a searchable field (key, type, ids): a B-tree entry must stay well under 8 kB. */
export const MAX_SEARCHABLE_CHARS = 512;

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… [${text.length - max} more characters not kept]`;
}

/** PostgreSQL text cannot hold NUL; a forged message may carry one. */
function storable(text: string): string {
  return text.replaceAll('\u0000', '\uFFFD');
}

function searchable(text: string | undefined): string | undefined {
  return text === undefined ? undefined : storable(text.slice(0, MAX_SEARCHABLE_CHARS));
}

/** A raw message as the reader hands it over (topic prefix stripped). */
export interface RawMessage {
  topic: string;
  partition: number;
  offset: string;
  timestamp: string;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
  /** Bytes of key, value and headers; computed from the strings when not given. */
  size?: number;
}

/** The value as JSON; undefined when it is none. */
export function parseJson(value: string | null): unknown {
  if (value === null) return undefined;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return undefined;
  }
}

function field(payload: unknown, name: string): string | undefined {
  if (typeof payload !== 'object' || payload === null) return undefined;
  const value = (payload as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}

function wholeNumber(text: string | undefined, fallback: number): number {
  return text !== undefined && /^\d{1,9}$/.test(text) ? Number(text) : fallback;
}

function readDeadLetter(headers: Record<string, string>): DeadLetterInfo {
  return {
    originalTopic: headers.dlq_original_topic ?? '',
    originalPartition: wholeNumber(headers.dlq_original_partition, -1),
    originalOffset: headers.dlq_original_offset ?? '',
    errorCode: headers.dlq_error_code ?? '',
    error: headers.dlq_error ?? '',
    attempts: wholeNumber(headers.dlq_attempts, 0),
    consumerGroup: headers.dlq_consumer_group ?? '',
    failedAt: headers.dlq_failed_at ?? '',
  };
}

/**
 * What a dead letter is about: one message of one topic that one consumer group failed. A consumer
 * that crashes after sending a dead letter but before committing sends it again; both copies
 * share this identity and are one dead letter.
 */
export function deadLetterIdentity(info: DeadLetterInfo): string {
  return `${info.consumerGroup}|${info.originalTopic}[${info.originalPartition}]@${info.originalOffset}`;
}

function contractProblem(type: string | undefined, payload: unknown): string | undefined {
  const contract = type ? findContract(type) : undefined;
  if (!contract) return undefined;
  if (typeof payload !== 'object' || payload === null) return 'the value is no JSON object';
  try {
    validatePayload(contract, payload as object);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

function rawSize(raw: RawMessage): number {
  if (raw.size !== undefined) return raw.size;
  const bytes = (text: string | null) => (text === null ? 0 : Buffer.byteLength(text));
  return bytes(raw.key) + bytes(raw.value) + Object.entries(raw.headers).reduce((sum, [k, v]) => sum + bytes(k) + bytes(v), 0);
}

/** Reads envelope, payload and dead-letter metadata of a raw message, whole (as read from its topic). */
export function observe(raw: RawMessage, seq = 0): IndexedMessage {
  const payload = parseJson(raw.value);
  const type = raw.headers[EnvelopeHeaders.type];
  return {
    seq,
    topic: raw.topic,
    partition: raw.partition,
    offset: raw.offset,
    receivedAt: raw.timestamp,
    key: raw.key,
    value: raw.value,
    headers: raw.headers,
    payload,
    size: rawSize(raw),
    id: raw.headers[EnvelopeHeaders.id],
    type,
    source: raw.headers[EnvelopeHeaders.source],
    time: raw.headers[EnvelopeHeaders.time],
    correlationId: raw.headers[EnvelopeHeaders.correlationId],
    causationId: raw.headers[EnvelopeHeaders.causationId],
    hostBodyKey: field(payload, 'hostBodyKey'),
    invalid: contractProblem(type, payload),
    deadLetter: raw.topic === Topics.deadLetters ? readDeadLetter(raw.headers) : undefined,
  };
}

/**
 * The message as the index keeps it: values and headers capped (a few huge messages cannot fill
 * the database; the full message is read from its topic on demand), searchable fields cut to what
 * a B-tree entry holds, and no NUL characters.
 */
export function capped(message: IndexedMessage): IndexedMessage {
  const headers = Object.entries(message.headers);
  const largeValue = (message.value?.length ?? 0) > MAX_KEPT_VALUE_CHARS;
  const largeHeaders = headers.length > MAX_KEPT_HEADERS || headers.some(([, v]) => v.length > MAX_KEPT_HEADER_CHARS);
  const dl = message.deadLetter;
  return {
    ...message,
    key: message.key === null ? null : (searchable(message.key) ?? null),
    value: message.value === null ? null : storable(cut(message.value, MAX_KEPT_VALUE_CHARS)),
    payload: largeValue ? undefined : message.payload,
    headers: Object.fromEntries(headers.slice(0, MAX_KEPT_HEADERS).map(([k, v]) => [storable(k), storable(cut(v, MAX_KEPT_HEADER_CHARS))])),
    id: searchable(message.id),
    type: searchable(message.type),
    source: searchable(message.source),
    time: searchable(message.time),
    correlationId: searchable(message.correlationId),
    causationId: searchable(message.causationId),
    hostBodyKey: searchable(message.hostBodyKey),
    invalid: message.invalid === undefined ? undefined : storable(cut(message.invalid, MAX_KEPT_HEADER_CHARS)),
    deadLetter: dl && {
      ...dl,
      originalTopic: searchable(dl.originalTopic) ?? '',
      originalOffset: searchable(dl.originalOffset) ?? '',
      errorCode: searchable(dl.errorCode) ?? '',
      error: storable(cut(dl.error, MAX_KEPT_HEADER_CHARS)),
      consumerGroup: searchable(dl.consumerGroup) ?? '',
      failedAt: searchable(dl.failedAt) ?? '',
    },
    truncated: largeValue || largeHeaders || message.key !== (searchable(message.key ?? undefined) ?? null),
  };
}
