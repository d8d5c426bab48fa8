import type { DataSource } from 'typeorm';

/** The advisory lock id of migrations ("kimg"); advisory locks are per database, so one id serves every service. */
export const MIGRATION_LOCK = 0x6b69_6d67;

/**
 * Runs the pending migrations of `dataSource` while holding a session advisory lock, so replicas
 * started at once on an empty database migrate it once: the first runs them, the others wait
 * and then find nothing pending.
 */
export async function runMigrationsLocked(dataSource: DataSource): Promise<void> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      await dataSource.runMigrations({ transaction: 'each' });
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    await runner.release();
  }
}
