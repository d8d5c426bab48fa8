import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * No query reads the inbox by correlation id (the console asks by consumer group and event id,
 * which the primary key answers), and the index cost every inbox insert a second random b-tree
 * write. The column stays for operators' ad-hoc queries.
 */
export class InboxWithoutCorrelationIndex1764100000000 implements MigrationInterface {
  name = 'InboxWithoutCorrelationIndex1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS messaging_inbox_correlation`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX messaging_inbox_correlation ON messaging_inbox (correlation_id)`);
  }
}
