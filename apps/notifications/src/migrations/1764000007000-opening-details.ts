import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the press releases need beyond the first version of the events: the centre's seat and, for a
 * reopening, its predecessor; whether the opening was recorded later by the history import (never
 * announced); and for a refused allocation the budget that was too small.
 */
export class OpeningDetails1764000007000 implements MigrationInterface {
  name = 'OpeningDetails1764000007000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE openings
        ADD COLUMN seat               text,
        ADD COLUMN previous_ordinal   integer,
        ADD COLUMN previous_closed_on date,
        ADD COLUMN historical         boolean NOT NULL DEFAULT false,
        ADD CONSTRAINT openings_historical_never_announced CHECK (NOT historical OR state = 'recorded')`);
    await q.query(`
      ALTER TABLE funding_results
        ADD COLUMN programme_name   text,
        ADD COLUMN amount_unit      text CHECK (amount_unit IN ('EUR_CENT', 'POST_HUNDREDTH')),
        ADD COLUMN needed_amount    numeric(17, 0),
        ADD COLUMN available_amount numeric(17, 0)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE funding_results DROP COLUMN programme_name, DROP COLUMN amount_unit, DROP COLUMN needed_amount, DROP COLUMN available_amount`,
    );
    await q.query(`
      ALTER TABLE openings DROP CONSTRAINT openings_historical_never_announced,
        DROP COLUMN seat, DROP COLUMN previous_ordinal, DROP COLUMN previous_closed_on, DROP COLUMN historical`);
  }
}
