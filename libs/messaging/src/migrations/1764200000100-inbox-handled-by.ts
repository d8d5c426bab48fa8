import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Which instance handled an event: the PostgreSQL `application_name` of the connection that
 * recorded it (set it per instance in DATABASE_URL, e.g. `?application_name=funding-ledger-1`).
 * A default, so the inbox inserts stay as they are; rows from before read ''.
 */
export class InboxHandledBy1764200000100 implements MigrationInterface {
  name = 'InboxHandledBy1764200000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE messaging_inbox ADD COLUMN handled_by text NOT NULL DEFAULT current_setting('application_name')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE messaging_inbox DROP COLUMN handled_by`);
  }
}
