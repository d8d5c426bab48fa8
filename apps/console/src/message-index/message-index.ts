import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { IndexedMessage } from './indexed-message';

/** Where the reader goes on with one partition: the offset after the last one indexed. */
export type Positions = Map<string, bigint>;

/** The key of a partition in {@link Positions}; `topic` is the base name. */
export function positionKey(topic: string, partition: number): string {
  return `${topic}/${partition}`;
}

const COLUMNS: [column: string, type: string, value: (m: IndexedMessage) => unknown][] = [
  ['topic', 'text', (m) => m.topic],
  ['partition', 'int', (m) => m.partition],
  ['"offset"', 'bigint', (m) => m.offset],
  ['time', 'timestamptz', (m) => m.receivedAt],
  ['event_time', 'text', (m) => m.time],
  ['type', 'text', (m) => m.type],
  ['key', 'text', (m) => m.key],
  ['host_body_key', 'text', (m) => m.hostBodyKey],
  ['correlation_id', 'text', (m) => m.correlationId],
  ['causation_id', 'text', (m) => m.causationId],
  ['event_id', 'text', (m) => m.id],
  ['source', 'text', (m) => m.source],
  ['size', 'int', (m) => m.size],
  ['invalid', 'text', (m) => m.invalid],
  ['value', 'text', (m) => m.value],
  // jsonb travels as text: node-postgres cannot send an array of JSON values.
  ['headers', 'text', (m) => JSON.stringify(m.headers)],
  ['truncated', 'boolean', (m) => m.truncated ?? false],
  ['dlq_consumer_group', 'text', (m) => m.deadLetter?.consumerGroup],
  ['dlq_error_code', 'text', (m) => m.deadLetter?.errorCode],
  ['dlq_error', 'text', (m) => m.deadLetter?.error],
  ['dlq_attempts', 'int', (m) => m.deadLetter?.attempts],
  ['dlq_failed_at', 'text', (m) => m.deadLetter?.failedAt],
  ['dlq_original_topic', 'text', (m) => m.deadLetter?.originalTopic],
  ['dlq_original_partition', 'int', (m) => m.deadLetter?.originalPartition],
  ['dlq_original_offset', 'text', (m) => m.deadLetter?.originalOffset],
];

const names = COLUMNS.map(([column]) => column).join(', ');
const selected = COLUMNS.map(([column]) => (column === 'headers' ? 'headers::jsonb' : column)).join(', ');
/**
 * One statement per batch, so rows and position move together: the rows (one array per column,
 * unnest makes them rows), skipped when already indexed, and the partition's position moved past
 * the batch, never back (two instances on one database each move it).
 */
const INSERT = `
  WITH batch AS (
    SELECT * FROM unnest(${COLUMNS.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ')}) AS b(${names})
  ), stored AS (
    INSERT INTO indexed_messages (${names}) SELECT ${selected} FROM batch
    ON CONFLICT (topic, partition, "offset") DO NOTHING
    RETURNING seq, "offset"
  ), moved AS (
    INSERT INTO index_positions (topic, partition, next_offset)
    SELECT topic, partition, max("offset") + 1 FROM batch GROUP BY topic, partition
    ON CONFLICT (topic, partition) DO UPDATE SET next_offset = GREATEST(index_positions.next_offset, EXCLUDED.next_offset)
  )
  SELECT seq, "offset"::text AS "offset" FROM stored`;

/** The console's index of every message in its database: what the reader writes and the retention deletes. */
@Injectable()
export class MessageIndex {
  constructor(private readonly db: DataSource) {}

  /** Where the reader resumes on each partition it indexed before. */
  async positions(): Promise<Positions> {
    const rows = await this.db.query<{ topic: string; partition: number; next_offset: string }[]>(
      'SELECT topic, partition, next_offset FROM index_positions',
    );
    return new Map(rows.map((r) => [positionKey(r.topic, r.partition), BigInt(r.next_offset)]));
  }

  /**
   * Stores messages of one partition (already stored ones are skipped) and moves its position past
   * them; answers each message with its `seq` (0 for those stored earlier unless `lookUpEarlier`).
   */
  async add(messages: IndexedMessage[], lookUpEarlier = false): Promise<IndexedMessage[]> {
    if (messages.length === 0) return [];
    const stored = await this.db.query<{ seq: string; offset: string }[]>(
      INSERT,
      COLUMNS.map(([, , value]) => messages.map((m) => value(m) ?? null)),
    );
    const seqs = new Map(stored.map((r) => [r.offset, Number(r.seq)]));
    const missing = messages.filter((m) => !seqs.has(m.offset));
    if (lookUpEarlier && missing.length > 0) {
      const earlier = await this.db.query<{ seq: string; offset: string }[]>(
        'SELECT seq, "offset"::text AS "offset" FROM indexed_messages WHERE topic = $1 AND partition = $2 AND "offset" = ANY($3::bigint[])',
        [missing[0].topic, missing[0].partition, missing.map((m) => m.offset)],
      );
      for (const r of earlier) seqs.set(r.offset, Number(r.seq));
    }
    return messages.map((m) => ({ ...m, seq: seqs.get(m.offset) ?? 0 }));
  }

  /**
   * Deletes messages older than `before`, a slice at a time so no statement holds many locks for
   * long; the positions stay, so the reader never indexes them again. Answers how many went.
   */
  async deleteOlderThan(before: Date, slice = 10_000): Promise<number> {
    let deleted = 0;
    for (;;) {
      const [, count] = (await this.db.query(
        `DELETE FROM indexed_messages WHERE ctid = ANY(ARRAY(SELECT ctid FROM indexed_messages WHERE time < $1 LIMIT ${slice}))`,
        [before.toISOString()],
      )) as [unknown, number];
      deleted += count;
      if (count < slice) return deleted;
    }
  }
}
