import { Injectable } from '@nestjs/common';
import { ConsumerGroup, consumerGroupsOf } from '@ki/contracts';
import { DeadLetterInfo, IndexedMessage } from '../message-index/indexed-message';
import { IndexQueries } from '../message-index/index-queries';
import { maskPayload, maskText } from '../shared/masking';
import { InboxLookup } from './inbox-lookup';

/** What a consumer group did with an event: handled it, dead-lettered it, or has not got to it yet. */
export type ConsumerStatus = 'handled' | 'dead-lettered' | 'behind' | 'unknown';

export interface ConsumerProgress {
  group: ConsumerGroup;
  status: ConsumerStatus;
  /** Why the status is unknown (an unreachable inbox), or the dead letter's reason. */
  detail?: string;
}

/** One message of the live flow as the API shows it. */
export interface FlowRow {
  seq: number;
  topic: string;
  partition: number;
  offset: string;
  receivedAt: string;
  time?: string;
  type?: string;
  id?: string;
  key: string | null;
  hostBodyKey?: string;
  correlationId?: string;
  source?: string;
  payload: unknown;
  invalid?: string;
  deadLetter?: DeadLetterInfo;
  consumers: ConsumerProgress[];
}

/** The live flow: messages of every topic with, for each consumer group that must handle them, what it did. */
@Injectable()
export class FlowQuery {
  constructor(
    private readonly index: IndexQueries,
    private readonly inbox: InboxLookup,
  ) {}

  /** A message without consumer progress (for the live stream, which asks for progress separately). */
  row(message: IndexedMessage, reveal: boolean): FlowRow {
    return {
      seq: message.seq,
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
      source: message.source,
      payload: message.payload === undefined ? maskText(message.value, reveal) : maskPayload(message.type, message.payload, reveal),
      invalid: message.invalid,
      deadLetter: message.deadLetter && { ...message.deadLetter, error: maskText(message.deadLetter.error, reveal) ?? '' },
      consumers: [],
    };
  }

  /** The newest `limit` messages, newest first, filtered by type, key (Kafka or host-body key) or correlation id. */
  async latest(options: { limit: number; type?: string; key?: string; correlationId?: string }, reveal: boolean): Promise<FlowRow[]> {
    const messages = await this.index.newest(
      { type: options.type, keyOrHostBody: options.key, correlationId: options.correlationId },
      options.limit,
    );
    return this.withProgress(messages, reveal);
  }

  /** Rows of `messages` with the progress of every consumer group that must handle them. */
  async withProgress(messages: IndexedMessage[], reveal: boolean): Promise<FlowRow[]> {
    const groups = new Set(messages.filter((m) => !m.deadLetter && m.type).flatMap((m) => consumerGroupsOf(m.type as string)));
    const handled = new Map<ConsumerGroup, Set<string> | Error>();
    const eventIds = messages.filter((m) => m.id && !m.deadLetter).map((m) => m.id as string);
    const inboxes = Promise.all(
      [...groups].map(async (group) => {
        const ids = messages
          .filter((m) => m.id && !m.deadLetter && consumerGroupsOf(m.type ?? '').includes(group))
          .map((m) => m.id as string);
        handled.set(group, await this.inbox.handled(group, ids).catch((err: Error) => err));
      }),
    );
    const [deadLetters] = await Promise.all([this.index.deadLettersOf(eventIds), inboxes]);
    return messages.map((message) => {
      const row = this.row(message, reveal);
      if (message.deadLetter || !message.type || !message.id) return row;
      const letters = deadLetters.get(message.id) ?? [];
      row.consumers = consumerGroupsOf(message.type).map((group) =>
        this.progress(group, message.id as string, letters, handled.get(group)),
      );
      return row;
    });
  }

  private progress(
    group: ConsumerGroup,
    eventId: string,
    deadLetters: DeadLetterInfo[],
    handled: Set<string> | Error | undefined,
  ): ConsumerProgress {
    if (handled instanceof Set && handled.has(eventId)) return { group, status: 'handled' };
    const deadLetter = deadLetters.find((letter) => letter.consumerGroup === group);
    if (deadLetter) return { group, status: 'dead-lettered', detail: `${deadLetter.errorCode}: ${deadLetter.error}` };
    if (handled instanceof Error) return { group, status: 'unknown', detail: handled.message };
    return { group, status: 'behind' };
  }
}
