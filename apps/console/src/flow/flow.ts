import { Injectable } from '@nestjs/common';
import { ConsumerGroup, consumerGroupsOf } from '@ki/contracts';
import { EventWindow, ObservedMessage } from '../event-window/event-window';
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
  deadLetter?: ObservedMessage['deadLetter'];
  consumers: ConsumerProgress[];
}

/** The live flow: messages of every topic with, for each consumer group that must handle them, what it did. */
@Injectable()
export class FlowQuery {
  constructor(
    private readonly window: EventWindow,
    private readonly inbox: InboxLookup,
  ) {}

  /** A message without consumer progress (for the live stream, which asks for progress separately). */
  row(message: ObservedMessage, reveal: boolean): FlowRow {
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

  /** The newest `limit` messages, newest first, filtered by type, key or correlation id. */
  async latest(options: { limit: number; type?: string; key?: string; correlationId?: string }, reveal: boolean): Promise<FlowRow[]> {
    const picked: ObservedMessage[] = [];
    const all = this.window.all();
    for (let i = all.length - 1; i >= 0 && picked.length < options.limit; i--) {
      const m = all[i];
      if (options.type && m.type !== options.type) continue;
      if (options.key && m.key !== options.key && m.hostBodyKey !== options.key) continue;
      if (options.correlationId && m.correlationId !== options.correlationId) continue;
      picked.push(m);
    }
    return this.withProgress(picked, reveal);
  }

  /** Rows of `messages` with the progress of every consumer group that must handle them. */
  async withProgress(messages: ObservedMessage[], reveal: boolean): Promise<FlowRow[]> {
    const groups = new Set(messages.filter((m) => !m.deadLetter && m.type).flatMap((m) => consumerGroupsOf(m.type as string)));
    const handled = new Map<ConsumerGroup, Set<string> | Error>();
    await Promise.all(
      [...groups].map(async (group) => {
        const ids = messages
          .filter((m) => m.id && !m.deadLetter && consumerGroupsOf(m.type ?? '').includes(group))
          .map((m) => m.id as string);
        handled.set(group, await this.inbox.handled(group, ids).catch((err: Error) => err));
      }),
    );
    return messages.map((message) => {
      const row = this.row(message, reveal);
      if (message.deadLetter || !message.type || !message.id) return row;
      row.consumers = consumerGroupsOf(message.type).map((group) => this.progress(group, message.id as string, handled.get(group)));
      return row;
    });
  }

  private progress(group: ConsumerGroup, eventId: string, handled: Set<string> | Error | undefined): ConsumerProgress {
    if (handled instanceof Set && handled.has(eventId)) return { group, status: 'handled' };
    const deadLetter = this.window.deadLetteredBy(eventId, group)?.deadLetter;
    if (deadLetter) return { group, status: 'dead-lettered', detail: `${deadLetter.errorCode}: ${deadLetter.error}` };
    if (handled instanceof Error) return { group, status: 'unknown', detail: handled.message };
    return { group, status: 'behind' };
  }
}
