import { MigrationInterface, QueryRunner } from 'typeorm';

/** The inbox: which event each consumer group has processed. Its primary key makes effects idempotent. */
export class MessagingInbox1764000000000 implements MigrationInterface {
  name = 'MessagingInbox1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE messaging_inbox (
        consumer_group text        NOT NULL,
        event_id       text        NOT NULL,
        event_type     text        NOT NULL,
        topic          text        NOT NULL,
        partition      integer     NOT NULL,
        "offset"       bigint      NOT NULL,
        correlation_id text        NOT NULL,
        processed_at   timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer_group, event_id)
      )`);
    await q.query(`CREATE INDEX messaging_inbox_correlation ON messaging_inbox (correlation_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE messaging_inbox`);
  }
}
