import { Injectable } from '@nestjs/common';
import { Topics } from '@ki/contracts';
import { DataSource } from 'typeorm';
import { DeadLetterInfo, IndexedMessage, parseJson } from './indexed-message';

/** Conditions on indexed messages; each given one must hold (exact matches). */
export interface MessageFilter {
  key?: string;
  hostBodyKey?: string;
  /** The Kafka key or the host-body key. */
  keyOrHostBody?: string;
  correlationId?: string;
  eventId?: string;
  type?: string;
  topic?: string;
  partition?: number;
  offset?: string;
  /** Kafka timestamp at or after. */
  from?: Date;
  /** Kafka timestamp before. */
  to?: Date;
}

/** Where a page of newest-first results ends: the next page starts after it. */
export interface Cursor {
  time: string;
  seq: number;
}

/** Filters of dead letters; each matches exactly. */
export interface DeadLetterFilter {
  /** Error code, e.g. CONTRACT.INVALID_PAYLOAD. */
  reason?: string;
  type?: string;
  consumerGroup?: string;
}

/** How many messages of one topic one producer wrote; dead letters also say who gave up on which topic. */
export interface MessageCount {
  topic: string;
  /** ce_source of the messages. */
  source?: string;
  deadLetter?: { consumerGroup: string; originalTopic: string };
  count: number;
}

/** The most messages a journey reads: a centre has a handful, a correlation id rarely more. */
export const MAX_JOURNEY_MESSAGES = 5000;
/** The most dead letters the list shows, newest first. */
export const MAX_DEAD_LETTERS = 1000;

interface Row {
  seq: string;
  topic: string;
  partition: number;
  offset: string;
  time: Date;
  event_time: string | null;
  type: string | null;
  key: string | null;
  host_body_key: string | null;
  correlation_id: string | null;
  causation_id: string | null;
  event_id: string | null;
  source: string | null;
  size: number;
  invalid: string | null;
  value: string | null;
  headers: Record<string, string>;
  truncated: boolean;
  dlq_consumer_group: string | null;
  dlq_error_code: string | null;
  dlq_error: string | null;
  dlq_attempts: number | null;
  dlq_failed_at: string | null;
  dlq_original_topic: string | null;
  dlq_original_partition: number | null;
  dlq_original_offset: string | null;
}

const COLUMNS = `seq, topic, partition, "offset"::text AS "offset", time, event_time, type, key, host_body_key, correlation_id,
  causation_id, event_id, source, size, invalid, value, headers, truncated, dlq_consumer_group, dlq_error_code, dlq_error,
  dlq_attempts, dlq_failed_at, dlq_original_topic, dlq_original_partition, dlq_original_offset`;

function deadLetterOf(row: Row): DeadLetterInfo | undefined {
  if (row.dlq_consumer_group === null) return undefined;
  return {
    originalTopic: row.dlq_original_topic ?? '',
    originalPartition: row.dlq_original_partition ?? -1,
    originalOffset: row.dlq_original_offset ?? '',
    errorCode: row.dlq_error_code ?? '',
    error: row.dlq_error ?? '',
    attempts: row.dlq_attempts ?? 0,
    consumerGroup: row.dlq_consumer_group,
    failedAt: row.dlq_failed_at ?? '',
  };
}

function messageOf(row: Row): IndexedMessage {
  const optional = (value: string | null) => value ?? undefined;
  return {
    seq: Number(row.seq),
    topic: row.topic,
    partition: row.partition,
    offset: row.offset,
    receivedAt: row.time.toISOString(),
    key: row.key,
    value: row.value,
    headers: row.headers,
    payload: row.truncated ? undefined : parseJson(row.value),
    size: row.size,
    id: optional(row.event_id),
    type: optional(row.type),
    source: optional(row.source),
    time: optional(row.event_time),
    correlationId: optional(row.correlation_id),
    causationId: optional(row.causation_id),
    hostBodyKey: optional(row.host_body_key),
    invalid: optional(row.invalid),
    deadLetter: deadLetterOf(row),
    ...(row.truncated ? { truncated: true } : {}),
  };
}

/** SQL conditions and their parameters, numbered from `$1`. */
class Conditions {
  readonly clauses: string[] = [];
  readonly params: unknown[] = [];

  add(sql: (param: string) => string, value: unknown): this {
    if (value === undefined) return this;
    this.params.push(value);
    this.clauses.push(sql(`$${this.params.length}`));
    return this;
  }

  where(): string {
    return this.clauses.length ? `WHERE ${this.clauses.join(' AND ')}` : '';
  }

  static of(filter: MessageFilter): Conditions {
    return new Conditions()
      .add((p) => `key = ${p}`, filter.key)
      .add((p) => `host_body_key = ${p}`, filter.hostBodyKey)
      .add((p) => `(key = ${p} OR host_body_key = ${p})`, filter.keyOrHostBody)
      .add((p) => `correlation_id = ${p}`, filter.correlationId)
      .add((p) => `event_id = ${p}`, filter.eventId)
      .add((p) => `type = ${p}`, filter.type)
      .add((p) => `topic = ${p}`, filter.topic)
      .add((p) => `partition = ${p}`, filter.partition)
      .add((p) => `"offset" = ${p}::bigint`, filter.offset)
      .add((p) => `time >= ${p}`, filter.from?.toISOString())
      .add((p) => `time < ${p}`, filter.to?.toISOString());
  }
}

/** What the flow, journeys, search and dead letters read from the index. */
@Injectable()
export class IndexQueries {
  constructor(private readonly db: DataSource) {}

  private async select(sql: string, params: unknown[]): Promise<IndexedMessage[]> {
    return (await this.db.query<Row[]>(sql, params)).map(messageOf);
  }

  /**
   * Messages matching `filter`, newest first (Kafka time, then the order they were indexed),
   * `limit` of them after the `after` cursor.
   */
  newest(filter: MessageFilter, limit: number, after?: Cursor): Promise<IndexedMessage[]> {
    const conditions = Conditions.of(filter);
    if (after) {
      const n = conditions.params.push(after.time, after.seq);
      conditions.clauses.push(`(time, seq) < ($${n - 1}::timestamptz, $${n}::bigint)`);
    }
    return this.select(
      `SELECT ${COLUMNS} FROM indexed_messages ${conditions.where()} ORDER BY time DESC, seq DESC LIMIT ${limit}`,
      conditions.params,
    );
  }

  /** Messages about a host body (their payload's hostBodyKey), dead letters included, oldest first. */
  aboutHostBody(key: string): Promise<IndexedMessage[]> {
    return this.oldestFirst({ hostBodyKey: key });
  }

  withCorrelationId(id: string): Promise<IndexedMessage[]> {
    return this.oldestFirst({ correlationId: id });
  }

  private oldestFirst(filter: MessageFilter): Promise<IndexedMessage[]> {
    const conditions = Conditions.of(filter);
    return this.select(
      `SELECT ${COLUMNS} FROM indexed_messages ${conditions.where()} ORDER BY time, seq LIMIT ${MAX_JOURNEY_MESSAGES}`,
      conditions.params,
    );
  }

  /** The message at this position, if the index has it. */
  async at(topic: string, partition: number, offset: string): Promise<IndexedMessage | undefined> {
    const [message] = await this.select(
      `SELECT ${COLUMNS} FROM indexed_messages WHERE topic = $1 AND partition = $2 AND "offset" = $3::bigint`,
      [topic, partition, offset],
    );
    return message;
  }

  /**
   * Dead letters, newest first, each once: of copies of one dead letter (a consumer that crashed
   * between sending it and committing sends it again) the first one stands for all.
   */
  deadLetters(filter: DeadLetterFilter): Promise<IndexedMessage[]> {
    return this.firstCopiesOfDeadLetters(filter, `time DESC, seq DESC LIMIT ${MAX_DEAD_LETTERS}`);
  }

  /** Every dead letter matching `filter`, each once as in {@link deadLetters}, oldest first: what a bulk replay chooses from. */
  allDeadLettersOldestFirst(filter: DeadLetterFilter): Promise<IndexedMessage[]> {
    return this.firstCopiesOfDeadLetters(filter, 'time, seq');
  }

  private firstCopiesOfDeadLetters(filter: DeadLetterFilter, order: string): Promise<IndexedMessage[]> {
    const conditions = new Conditions()
      .add((p) => `topic = ${p}`, Topics.deadLetters)
      .add((p) => `dlq_error_code = ${p}`, filter.reason)
      .add((p) => `type = ${p}`, filter.type)
      .add((p) => `dlq_consumer_group = ${p}`, filter.consumerGroup);
    return this.select(
      `SELECT * FROM (
         SELECT DISTINCT ON (dlq_consumer_group, dlq_original_topic, dlq_original_partition, dlq_original_offset) ${COLUMNS}
         FROM indexed_messages ${conditions.where()}
         ORDER BY dlq_consumer_group, dlq_original_topic, dlq_original_partition, dlq_original_offset, time, seq
       ) first_copies ORDER BY ${order}`,
      conditions.params,
    );
  }

  /** Which consumer groups dead-lettered each of these event ids, with the dead letter. */
  async deadLettersOf(eventIds: string[]): Promise<Map<string, DeadLetterInfo[]>> {
    const byEvent = new Map<string, DeadLetterInfo[]>();
    if (eventIds.length === 0) return byEvent;
    const letters = await this.select(
      `SELECT ${COLUMNS} FROM indexed_messages WHERE event_id = ANY($1) AND topic = $2 ORDER BY time, seq`,
      [eventIds, Topics.deadLetters],
    );
    for (const letter of letters) {
      const id = letter.id as string;
      byEvent.set(id, [...(byEvent.get(id) ?? []), letter.deadLetter as DeadLetterInfo]);
    }
    return byEvent;
  }

  /** Messages per minute of each type over the last `minutes` minutes (by Kafka timestamp), dead letters left out. */
  async ratesPerMinute(now: Date, minutes = 5): Promise<Map<string, number>> {
    const rows = await this.db.query<{ type: string; count: string }[]>(
      `SELECT type, count(*) AS count FROM indexed_messages
       WHERE time >= $1 AND time <= $2 AND type IS NOT NULL AND topic <> $3 GROUP BY type`,
      [new Date(now.getTime() - minutes * 60_000).toISOString(), now.toISOString(), Topics.deadLetters],
    );
    return new Map(rows.map((r) => [r.type, Math.round((Number(r.count) / minutes) * 100) / 100]));
  }

  /**
   * Messages indexed with a Kafka timestamp at or after `since`, counted per topic and source
   * (dead letters also per consumer group and original topic): the topology's rates.
   */
  async countsSince(since: Date): Promise<MessageCount[]> {
    const rows = await this.db.query<
      { topic: string; source: string | null; dlq_consumer_group: string | null; dlq_original_topic: string | null; count: string }[]
    >(
      `SELECT topic, source, dlq_consumer_group, dlq_original_topic, count(*) AS count FROM indexed_messages
       WHERE time >= $1 GROUP BY topic, source, dlq_consumer_group, dlq_original_topic`,
      [since.toISOString()],
    );
    return rows.map((r) => ({
      topic: r.topic,
      source: r.source ?? undefined,
      deadLetter:
        r.dlq_consumer_group === null ? undefined : { consumerGroup: r.dlq_consumer_group, originalTopic: r.dlq_original_topic ?? '' },
      count: Number(r.count),
    }));
  }
}
