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

/** A message as the console saw it on one of the system's topics. */
export interface ObservedMessage {
  /** Order of arrival in this console process. */
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
  /** The value as JSON; undefined when it is no JSON. */
  payload: unknown;
  id?: string;
  type?: string;
  source?: string;
  time?: string;
  correlationId?: string;
  /** Host body the message is about: its payload's hostBodyKey. */
  hostBodyKey?: string;
  /** Why the payload breaks its contract; undefined for a valid one (or a message of an unknown type). */
  invalid?: string;
  /** Set for a message of the dead-letter topic. */
  deadLetter?: DeadLetterInfo;
  /** The window keeps only the start of a large value (no payload) or of a long header: replay reads the message again. */
  truncated?: boolean;
}

/** Most characters of a value the window keeps; a larger one is kept truncated, without its parsed payload. */
export const MAX_KEPT_VALUE_CHARS = 64 * 1024;
/** Most characters of one header value, and most headers, the window keeps of a message. */
export const MAX_KEPT_HEADER_CHARS = 4 * 1024;
export const MAX_KEPT_HEADERS = 64;

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… [${text.length - max} more characters not kept]`;
}

/** The message as the window keeps it: values and headers capped, so a few huge messages cannot fill the memory. */
function capped(message: ObservedMessage): ObservedMessage {
  const headers = Object.entries(message.headers);
  const largeValue = (message.value?.length ?? 0) > MAX_KEPT_VALUE_CHARS;
  const largeHeaders = headers.length > MAX_KEPT_HEADERS || headers.some(([, v]) => v.length > MAX_KEPT_HEADER_CHARS);
  if (!largeValue && !largeHeaders) return message;
  return {
    ...message,
    value: message.value === null ? null : cut(message.value, MAX_KEPT_VALUE_CHARS),
    payload: largeValue ? undefined : message.payload,
    headers: Object.fromEntries(headers.slice(0, MAX_KEPT_HEADERS).map(([k, v]) => [k, cut(v, MAX_KEPT_HEADER_CHARS)])),
    deadLetter: message.deadLetter && { ...message.deadLetter, error: cut(message.deadLetter.error, MAX_KEPT_HEADER_CHARS) },
    truncated: true,
  };
}

/** A raw message handed to the window (the reader strips the topic prefix). */
export interface RawMessage {
  topic: string;
  partition: number;
  offset: string;
  timestamp: string;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

function parseJson(value: string | null): unknown {
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

function readDeadLetter(headers: Record<string, string>): DeadLetterInfo {
  return {
    originalTopic: headers.dlq_original_topic ?? '',
    originalPartition: Number(headers.dlq_original_partition ?? -1),
    originalOffset: headers.dlq_original_offset ?? '',
    errorCode: headers.dlq_error_code ?? '',
    error: headers.dlq_error ?? '',
    attempts: Number(headers.dlq_attempts ?? 0),
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

/** Reads envelope, payload and dead-letter metadata of a raw message. */
export function observe(raw: RawMessage, seq: number): ObservedMessage {
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
    id: raw.headers[EnvelopeHeaders.id],
    type,
    source: raw.headers[EnvelopeHeaders.source],
    time: raw.headers[EnvelopeHeaders.time],
    correlationId: raw.headers[EnvelopeHeaders.correlationId],
    hostBodyKey: field(payload, 'hostBodyKey'),
    invalid: contractProblem(type, payload),
    deadLetter: raw.topic === Topics.deadLetters ? readDeadLetter(raw.headers) : undefined,
  };
}

type Listener = (message: ObservedMessage) => void;

/**
 * The last `capacity` messages of every system topic, indexed by correlation id, host-body key and
 * event id. The oldest message leaves first; the console knows nothing older (see README).
 */
export class EventWindow {
  private readonly messages: ObservedMessage[] = [];
  private readonly byCorrelation = new Map<string, Set<ObservedMessage>>();
  private readonly byHostBody = new Map<string, Set<ObservedMessage>>();
  private readonly byEventId = new Map<string, Set<ObservedMessage>>();
  private readonly listeners = new Set<Listener>();
  private nextSeq = 1;

  constructor(private readonly capacity: number) {}

  add(raw: RawMessage): ObservedMessage {
    const message = capped(observe(raw, this.nextSeq++));
    this.messages.push(message);
    this.index(message, (map, key) => (map.get(key) ?? map.set(key, new Set()).get(key))?.add(message));
    while (this.messages.length > this.capacity) {
      const evicted = this.messages.shift() as ObservedMessage;
      this.index(evicted, (map, key) => {
        const set = map.get(key);
        set?.delete(evicted);
        if (set?.size === 0) map.delete(key);
      });
    }
    for (const listener of this.listeners) listener(message);
    return message;
  }

  private index(message: ObservedMessage, apply: (map: Map<string, Set<ObservedMessage>>, key: string) => void): void {
    if (message.correlationId) apply(this.byCorrelation, message.correlationId);
    if (message.hostBodyKey) apply(this.byHostBody, message.hostBodyKey);
    if (message.id) apply(this.byEventId, message.id);
  }

  /** Every message in the window, oldest first. */
  all(): readonly ObservedMessage[] {
    return this.messages;
  }

  /** How many messages the window holds, and the oldest one's time. */
  stats() {
    return { capacity: this.capacity, size: this.messages.length, oldest: this.messages[0]?.receivedAt };
  }

  withCorrelationId(id: string): ObservedMessage[] {
    return [...(this.byCorrelation.get(id) ?? [])].sort((a, b) => a.seq - b.seq);
  }

  aboutHostBody(key: string): ObservedMessage[] {
    return [...(this.byHostBody.get(key) ?? [])].sort((a, b) => a.seq - b.seq);
  }

  withEventId(id: string): ObservedMessage[] {
    return [...(this.byEventId.get(id) ?? [])].sort((a, b) => a.seq - b.seq);
  }

  /** Dead letters, oldest first, each once: a copy sent again after a crash is left out. */
  deadLetters(): ObservedMessage[] {
    const seen = new Set<string>();
    return this.messages.filter((m) => {
      if (!m.deadLetter) return false;
      const identity = deadLetterIdentity(m.deadLetter);
      return !seen.has(identity) && !!seen.add(identity);
    });
  }

  /** The dead letter at this partition and offset of the dead-letter topic, while it is in the window. */
  deadLetterAt(partition: number, offset: string): ObservedMessage | undefined {
    return this.messages.find((m) => m.deadLetter && m.partition === partition && m.offset === offset);
  }

  /** Whether `group` dead-lettered the event `eventId` (and it is still in the window). */
  deadLetteredBy(eventId: string, group: string): ObservedMessage | undefined {
    return this.withEventId(eventId).find((m) => m.deadLetter?.consumerGroup === group);
  }

  /** Messages per minute of each type over the last `minutes` minutes (by Kafka timestamp). */
  ratesPerMinute(now: Date, minutes = 5): Map<string, number> {
    const since = now.getTime() - minutes * 60_000;
    const counts = new Map<string, number>();
    for (let i = this.messages.length - 1; i >= 0; i--) {
      const message = this.messages[i];
      if (Date.parse(message.receivedAt) < since) continue;
      if (!message.type || message.deadLetter) continue;
      counts.set(message.type, (counts.get(message.type) ?? 0) + 1);
    }
    return new Map([...counts].map(([type, count]) => [type, Math.round((count / minutes) * 100) / 100]));
  }

  /** Calls `listener` with every message added from now on; returns the unsubscribe function. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
