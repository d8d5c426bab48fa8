import { MigrationInterface, QueryRunner } from 'typeorm';

/** The role whose members may read the inbox (the console's, in infra/postgres/init.sql). */
export const INBOX_READER_ROLE = 'ki_inbox_reader';

/** Runs `statement` only where the deployment created the inbox-reader role. */
function whereReaderExists(statement: string): string {
  return `DO $$ BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${INBOX_READER_ROLE}') THEN ${statement}; END IF;
  END $$`;
}

/**
 * Lets the console see which events a service handled, and nothing else of its database: the
 * inbox is the only table granted to the inbox-reader role, where the deployment created it
 * (docker-compose.yml does; a local database without the role is left alone).
 */
export class InboxReaderGrant1764200000000 implements MigrationInterface {
  name = 'InboxReaderGrant1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(whereReaderExists(`GRANT SELECT ON messaging_inbox TO ${INBOX_READER_ROLE}`));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(whereReaderExists(`REVOKE SELECT ON messaging_inbox FROM ${INBOX_READER_ROLE}`));
  }
}
