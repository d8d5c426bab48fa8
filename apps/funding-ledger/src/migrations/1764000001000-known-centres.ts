import { MigrationInterface, QueryRunner } from 'typeorm';

export class KnownCentres1764000001000 implements MigrationInterface {
  name = 'KnownCentres1764000001000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE known_centres (
        centre_id       uuid    PRIMARY KEY,
        host_body_key   text    NOT NULL,
        territory_key   text    NOT NULL,
        host_body_name  text    NOT NULL,
        ordinal         integer NOT NULL CHECK (ordinal > 0),
        opened_on       date    NOT NULL,
        opened_event_id text    NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE known_centres`);
  }
}
