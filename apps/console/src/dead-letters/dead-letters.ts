import { Inject, Injectable } from '@nestjs/common';
import { ConsumerGroup, consumerGroupsOf, EnvelopeHeaders, Topics } from '@ki/contracts';
import { DeadLetter, readDeadLetter, replayDeadLetter } from '@ki/messaging';
import { KAFKA_CLIENT, SERVICE_CONFIG } from '@ki/platform';
import { Kafka } from 'kafkajs';
import type { ConsoleConfig } from '../config';
import { IndexedMessage, observe } from '../message-index/indexed-message';
import { DeadLetterFilter, IndexQueries } from '../message-index/index-queries';
import { InboxLookup } from '../flow/inbox-lookup';
import { maskPayload, maskText } from '../shared/masking';

/** A dead letter as the API shows it: where it came from, why it failed, its payload and headers. */
export interface DeadLetterView {
  partition: number;
  offset: string;
  id?: string;
  type?: string;
  key: string | null;
  correlationId?: string;
  source?: string;
  consumerGroup: string;
  errorCode: string;
  error: string;
  attempts: number;
  failedAt: string;
  originalTopic: string;
  originalPartition: number;
  originalOffset: string;
  payload: unknown;
  headers: Record<string, string>;
}

/** What a replay would do: a no-op when the consumer group already handled the event id. */
export interface ReplayPreview {
  consumerGroup: string;
  /** Every group consuming the original topic sees the replayed message; those that handled the id skip it. */
  alreadyHandledBy: string[];
  noop: boolean;
}

/** The dead letter was not found in the index nor on the dead-letter topic. */
export class DeadLetterNotFound extends Error {
  readonly code = 'CONSOLE.DEAD_LETTER_NOT_FOUND';
}

/** Browsing dead letters and sending them back to their topic. */
@Injectable()
export class DeadLetters {
  constructor(
    private readonly index: IndexQueries,
    private readonly inbox: InboxLookup,
    @Inject(KAFKA_CLIENT) private readonly kafka: Kafka,
    @Inject(SERVICE_CONFIG) private readonly config: ConsoleConfig,
  ) {}

  /** Dead letters, newest first, each once (see {@link IndexQueries.deadLetters}). */
  async list(filter: DeadLetterFilter, reveal: boolean): Promise<DeadLetterView[]> {
    return (await this.index.deadLetters(filter)).map((m) => this.view(m, reveal));
  }

  /** One dead letter with what replaying it would do. */
  async detail(partition: number, offset: string, reveal: boolean): Promise<DeadLetterView & { replay: ReplayPreview }> {
    const letter = await this.find(partition, offset);
    return { ...this.view(letter, reveal), replay: await this.preview(letter) };
  }

  /**
   * Sends the dead letter back to its original topic (same ce_id and correlation id, a fresh trace,
   * who/when/why in its headers and on the operations topic), optionally with a repaired payload,
   * which must satisfy the event's contract (a ContractViolation otherwise); an unknown type or a
   * topic that is not the type's own is refused ({@link ReplayRefused}).
   */
  async replay(partition: number, offset: string, request: { reason: string; replayedBy: string; payload?: object }) {
    const letter = await this.find(partition, offset);
    const preview = await this.preview(letter);
    const deadLetter: DeadLetter = { partition, offset, key: letter.key, value: letter.value, headers: letter.headers };
    const record = await replayDeadLetter(this.kafka, deadLetter, {
      replayedBy: request.replayedBy,
      reason: request.reason,
      topicPrefix: this.config.kafka.topicPrefix,
      value: request.payload === undefined ? undefined : JSON.stringify(request.payload),
    });
    return { ...record, noop: preview.noop, alreadyHandledBy: preview.alreadyHandledBy };
  }

  private async find(partition: number, offset: string): Promise<IndexedMessage> {
    const indexed = await this.index.at(Topics.deadLetters, partition, offset);
    const letter = indexed && !indexed.truncated ? indexed : await this.readFromTopic(partition, offset);
    if (!letter) throw new DeadLetterNotFound(`no dead letter at partition ${partition}, offset ${offset}`);
    return letter;
  }

  /** The dead letter whole: as indexed, or read from the topic when the index keeps it only in part (undefined when the topic no longer has it). */
  async whole(letter: IndexedMessage): Promise<IndexedMessage | undefined> {
    return letter.truncated ? this.readFromTopic(letter.partition, letter.offset) : letter;
  }

  /** Reads a dead letter from the topic itself: one kept only in part, or not indexed yet. */
  private async readFromTopic(partition: number, offset: string): Promise<IndexedMessage | undefined> {
    const read = await readDeadLetter(this.kafka, partition, offset, this.config.kafka.topicPrefix, 5000);
    return read && observe({ topic: Topics.deadLetters, ...read });
  }

  private async preview(letter: IndexedMessage): Promise<ReplayPreview> {
    const group = letter.deadLetter?.consumerGroup ?? '';
    const id = letter.headers[EnvelopeHeaders.id];
    const groups = consumerGroupsOf(letter.type ?? '');
    const handledBy: string[] = [];
    if (id) {
      for (const g of groups) if ((await this.inbox.handled(g as ConsumerGroup, [id])).has(id)) handledBy.push(g);
    }
    return { consumerGroup: group, alreadyHandledBy: handledBy, noop: handledBy.includes(group) };
  }

  private view(message: IndexedMessage, reveal: boolean): DeadLetterView {
    const dl = message.deadLetter as NonNullable<IndexedMessage['deadLetter']>;
    return {
      partition: message.partition,
      offset: message.offset,
      id: message.id,
      type: message.type,
      key: message.key,
      correlationId: message.correlationId,
      source: message.source,
      consumerGroup: dl.consumerGroup,
      errorCode: dl.errorCode,
      error: maskText(dl.error, reveal) ?? '',
      attempts: dl.attempts,
      failedAt: dl.failedAt,
      originalTopic: dl.originalTopic,
      originalPartition: dl.originalPartition,
      originalOffset: dl.originalOffset,
      payload: message.payload === undefined ? maskText(message.value, reveal) : maskPayload(message.type, message.payload, reveal),
      headers: Object.fromEntries(Object.entries(message.headers).map(([k, v]) => [k, maskText(v, reveal) ?? ''])),
    };
  }
}
