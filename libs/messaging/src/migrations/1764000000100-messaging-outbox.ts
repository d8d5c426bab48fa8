import { MigrationInterface, QueryRunner } from 'typeorm';

/** The transactional outbox: events written with the state change that caused them, sent by the relay. */
export class MessagingOutbox1764000000100 implements MigrationInterface {
  name = 'MessagingOutbox1764000000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE messaging_outbox (
        seq         bigserial   PRIMARY KEY,
        event_id    text        NOT NULL UNIQUE,
        event_type  text        NOT NULL,
        topic       text        NOT NULL,
        message_key text        NOT NULL,
        headers     jsonb       NOT NULL,
        payload     text        NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now(),
        sent_at     timestamptz
      )`);
    await q.query(`CREATE INDEX messaging_outbox_unsent ON messaging_outbox (seq) WHERE sent_at IS NULL`);
    await q.query(`CREATE INDEX messaging_outbox_sent ON messaging_outbox (sent_at) WHERE sent_at IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE messaging_outbox`);
  }
}
