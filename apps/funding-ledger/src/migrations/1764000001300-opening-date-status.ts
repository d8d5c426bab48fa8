import { MigrationInterface, QueryRunner } from 'typeorm';

/** Whether a centre's opening date is documented or an assumption of the registry's history file, for its statements. */
export class OpeningDateStatus1764000001300 implements MigrationInterface {
  name = 'OpeningDateStatus1764000001300';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE known_centres
        ADD COLUMN opening_date_status text NOT NULL DEFAULT 'documented' CHECK (opening_date_status IN ('documented', 'assumed'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE known_centres DROP COLUMN opening_date_status`);
  }
}
