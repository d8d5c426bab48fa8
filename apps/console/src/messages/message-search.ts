import { Inject, Injectable } from '@nestjs/common';
import { TopicName, topicName } from '@ki/contracts';
import { readMessageAt } from '@ki/messaging';
import { KAFKA_CLIENT, SERVICE_CONFIG } from '@ki/platform';
import { Kafka } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import type { ConsoleConfig } from '../config';
import { Cursor, IndexQueries, MessageFilter } from '../message-index/index-queries';
import { DeadLetterInfo, IndexedMessage, observe } from '../message-index/indexed-message';
import { maskPayload, maskText } from '../shared/masking';

/** One message of a search result: where it is, what it is and what it is about, without payload. */
export interface MessageSummary {
  topic: string;
  partition: number;
  offset: string;
  /** Kafka timestamp. */
  receivedAt: string;
  /** ce_time of the envelope. */
  time?: string;
  type?: string;
  /** ce_id. */
  id?: string;
  key: string | null;
  hostBodyKey?: string;
  correlationId?: string;
  causationId?: string;
  /** The producer (ce_source). */
  source?: string;
  /** Bytes on the topic. */
  size: number;
  invalid?: string;
  deadLetter?: DeadLetterInfo;
  /** The index keeps only part of it; the single-message endpoint reads it whole from the topic. */
  truncated?: boolean;
}

/** One message whole: its summary, payload and headers (masked by role). */
export interface MessageDetail extends MessageSummary {
  payload: unknown;
  headers: Record<string, string>;
}

/** A page of search results, newest first; `nextCursor` asks for the page after it. */
export interface SearchPage {
  messages: MessageSummary[];
  nextCursor?: string;
}

/** The cursor of the page after `message` (opaque to clients). */
export function cursorAfter(message: IndexedMessage): string {
  return Buffer.from(JSON.stringify([message.receivedAt, message.seq])).toString('base64url');
}

/** The position a cursor stands for; undefined when it is none this API gave out. */
export function readCursor(text: string): Cursor | undefined {
  try {
    const [time, seq] = JSON.parse(Buffer.from(text, 'base64url').toString()) as unknown[];
    if (typeof time !== 'string' || Number.isNaN(Date.parse(time)) || !Number.isSafeInteger(seq)) return undefined;
    return { time, seq: seq as number };
  } catch {
    return undefined;
  }
}

/** The message was not found in the index. */
export class MessageNotFound extends Error {
  readonly code = 'CONSOLE.MESSAGE_NOT_FOUND';
}

/** Searching the index, and one message whole, read from its topic when the index keeps only part of it. */
@Injectable()
export class MessageSearch {
  constructor(
    private readonly index: IndexQueries,
    @Inject(KAFKA_CLIENT) private readonly kafka: Kafka,
    @Inject(SERVICE_CONFIG) private readonly config: ConsoleConfig,
  ) {}

  async search(filter: MessageFilter, limit: number, after: Cursor | undefined, reveal: boolean): Promise<SearchPage> {
    const found = await this.index.newest(filter, limit + 1, after);
    const page = found.slice(0, limit);
    return {
      messages: page.map((m) => summary(m, reveal)),
      ...(found.length > limit ? { nextCursor: cursorAfter(page[page.length - 1]) } : {}),
    };
  }

  async one(topic: string, partition: number, offset: string, reveal: boolean): Promise<MessageDetail> {
    let message = await this.index.at(topic, partition, offset);
    if (!message) throw new MessageNotFound(`the index has no message at ${topic} partition ${partition} offset ${offset}`);
    if (message.truncated) {
      const read = await readMessageAt(
        this.kafka,
        { topic: topicName(topic as TopicName, this.config.kafka.topicPrefix), partition, offset },
        { groupId: `${this.config.kafka.groupIdPrefix}console-reader-${randomUUID()}`, timeoutMs: 10_000 },
      );
      // Gone from the topic (its retention): what the index keeps is all there is.
      if (read) message = { ...observe({ topic, ...read }), seq: message.seq };
    }
    return {
      ...summary(message, reveal),
      payload: message.payload === undefined ? maskText(message.value, reveal) : maskPayload(message.type, message.payload, reveal),
      headers: Object.fromEntries(Object.entries(message.headers).map(([k, v]) => [k, maskText(v, reveal) ?? ''])),
    };
  }
}

function summary(message: IndexedMessage, reveal: boolean): MessageSummary {
  return {
    topic: message.topic,
    partition: message.partition,
    offset: message.offset,
    receivedAt: message.receivedAt,
    time: message.time,
    type: message.type,
    id: message.id,
    key: message.key,
    hostBodyKey: message.hostBodyKey,
    correlationId: message.correlationId,
    causationId: message.causationId,
    source: message.source,
    size: message.size,
    invalid: message.invalid,
    deadLetter: message.deadLetter && { ...message.deadLetter, error: maskText(message.deadLetter.error, reveal) ?? '' },
    ...(message.truncated ? { truncated: true } : {}),
  };
}
