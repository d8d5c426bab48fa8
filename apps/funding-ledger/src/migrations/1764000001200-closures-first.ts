import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A closing can reach the ledger before the opening it follows (e.g. an opening replayed from the
 * dead letters). The closure is then kept as a row with only its key and closing date, so the
 * late opening books only what the centre keeps after closing.
 */
export class ClosuresFirst1764000001200 implements MigrationInterface {
  name = 'ClosuresFirst1764000001200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE known_centres
        ALTER COLUMN territory_key DROP NOT NULL,
        ALTER COLUMN host_body_name DROP NOT NULL,
        ALTER COLUMN ordinal DROP NOT NULL,
        ALTER COLUMN opened_on DROP NOT NULL,
        ALTER COLUMN opened_event_id DROP NOT NULL,
        ADD CONSTRAINT known_centres_opened_or_closed CHECK (opened_on IS NOT NULL OR closed_on IS NOT NULL)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM known_centres WHERE opened_on IS NULL`);
    await q.query(`
      ALTER TABLE known_centres
        DROP CONSTRAINT known_centres_opened_or_closed,
        ALTER COLUMN territory_key SET NOT NULL,
        ALTER COLUMN host_body_name SET NOT NULL,
        ALTER COLUMN ordinal SET NOT NULL,
        ALTER COLUMN opened_on SET NOT NULL,
        ALTER COLUMN opened_event_id SET NOT NULL`);
  }
}
