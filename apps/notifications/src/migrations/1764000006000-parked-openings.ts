import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Openings whose announcement after the funding wait failed with an error that retrying cannot
 * fix are parked with that error, so the funding-wait timer goes on with the next one.
 */
export class ParkedOpenings1764000006000 implements MigrationInterface {
  name = 'ParkedOpenings1764000006000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE openings
        ADD COLUMN failure   text,
        ADD COLUMN parked_at timestamptz,
        DROP CONSTRAINT openings_state,
        ADD CONSTRAINT openings_state CHECK (state IN ('recorded', 'waiting', 'announced', 'announced_alone', 'parked')),
        ADD CONSTRAINT openings_parked_has_failure CHECK (state <> 'parked' OR (failure IS NOT NULL AND parked_at IS NOT NULL))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`UPDATE openings SET state = 'waiting' WHERE state = 'parked'`);
    await q.query(`
      ALTER TABLE openings
        DROP CONSTRAINT openings_parked_has_failure,
        DROP CONSTRAINT openings_state,
        ADD CONSTRAINT openings_state CHECK (state IN ('recorded', 'waiting', 'announced', 'announced_alone')),
        DROP COLUMN failure,
        DROP COLUMN parked_at`);
  }
}
