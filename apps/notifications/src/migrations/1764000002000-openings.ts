import { MigrationInterface, QueryRunner } from 'typeorm';

export class Openings1764000002000 implements MigrationInterface {
  name = 'Openings1764000002000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE openings (
        opened_event_id text        PRIMARY KEY,
        centre_id       uuid        NOT NULL,
        host_body_name  text        NOT NULL,
        ordinal         integer     NOT NULL CHECK (ordinal > 0),
        opened_on       date        NOT NULL,
        place           text        NOT NULL,
        correlation_id  text        NOT NULL,
        received_at     timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE openings`);
  }
}
