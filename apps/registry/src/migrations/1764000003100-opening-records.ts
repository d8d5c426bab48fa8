import { MigrationInterface, QueryRunner } from 'typeorm';

/** How an opening was recorded: whether its date is documented or assumed, and whether the history import recorded it later. */
export class OpeningRecords1764000003100 implements MigrationInterface {
  name = 'OpeningRecords1764000003100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE centres
        ADD COLUMN opening_date_status text CHECK (opening_date_status IN ('documented', 'assumed')),
        ADD COLUMN recorded_later boolean NOT NULL DEFAULT false`);
    await q.query(`UPDATE centres SET opening_date_status = 'documented' WHERE opened_on IS NOT NULL`);
    await q.query(`ALTER TABLE centres ADD CHECK ((opened_on IS NULL) = (opening_date_status IS NULL))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE centres DROP COLUMN opening_date_status, DROP COLUMN recorded_later`);
  }
}
