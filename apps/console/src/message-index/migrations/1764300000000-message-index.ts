import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The console's index of every message of every system topic, and how far its reader got on each
 * partition. The primary key makes indexing idempotent: a message read twice (two instances on one
 * database, a reread after a rebalance) is stored once.
 */
export class MessageIndex1764300000000 implements MigrationInterface {
  name = 'MessageIndex1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE indexed_messages (
        topic                  text        NOT NULL,
        partition              integer     NOT NULL,
        "offset"               bigint      NOT NULL,
        seq                    bigserial   NOT NULL,
        time                   timestamptz NOT NULL,
        event_time             text,
        type                   text,
        key                    text,
        host_body_key          text,
        correlation_id         text,
        causation_id           text,
        event_id               text,
        source                 text,
        size                   integer     NOT NULL,
        invalid                text,
        value                  text,
        headers                jsonb       NOT NULL,
        truncated              boolean     NOT NULL DEFAULT false,
        dlq_consumer_group     text,
        dlq_error_code         text,
        dlq_error              text,
        dlq_attempts           integer,
        dlq_failed_at          text,
        dlq_original_topic     text,
        dlq_original_partition integer,
        dlq_original_offset    text,
        PRIMARY KEY (topic, partition, "offset")
      )`);
    // Newest first with a stable order: the flow, search pages and the retention's cut-off.
    await q.query(`CREATE INDEX indexed_messages_time ON indexed_messages (time, seq)`);
    await q.query(`CREATE INDEX indexed_messages_type ON indexed_messages (type, time, seq)`);
    for (const column of ['key', 'host_body_key', 'correlation_id', 'event_id'])
      await q.query(`CREATE INDEX indexed_messages_${column} ON indexed_messages (${column})`);
    await q.query(`CREATE INDEX indexed_messages_dead_letters ON indexed_messages (time, seq) WHERE dlq_consumer_group IS NOT NULL`);
    await q.query(`
      CREATE TABLE index_positions (
        topic       text    NOT NULL,
        partition   integer NOT NULL,
        next_offset bigint  NOT NULL,
        PRIMARY KEY (topic, partition)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE index_positions`);
    await q.query(`DROP TABLE indexed_messages`);
  }
}
