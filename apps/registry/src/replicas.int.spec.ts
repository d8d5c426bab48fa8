import { Client } from 'pg';
import {
  createTestDatabase,
  processExited,
  ServiceProcess,
  startServiceProcess,
  TestDatabase,
  testInfrastructure,
  uniqueTopicPrefix,
  waitUntilHealthy,
} from '@ki/testing';
import { registryMigrations } from './migrations';

describe('three registry replicas started at once on an empty database', () => {
  let database: TestDatabase;
  const replicas: ServiceProcess[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('replicas');
    const env = {
      DATABASE_URL: database.url,
      KAFKA_BROKERS: testInfrastructure().kafkaBrokers.join(','),
      KAFKA_TOPIC_PREFIX: uniqueTopicPrefix('replicas'),
    };
    replicas.push(
      ...(await Promise.all(['a', 'b', 'c'].map((n) => startServiceProcess(`registry-${n}`, 'apps/registry/src/main.ts', env)))),
    );
  });

  afterAll(async () => {
    for (const replica of replicas) if (replica.child.exitCode === null) replica.child.kill('SIGKILL');
    await Promise.all(replicas.map((r) => processExited(r.child)));
    await database.drop();
  });

  it('all come up, and the schema is migrated once', async () => {
    await waitUntilHealthy(replicas);
    // None of them failed a migration and came up only by retrying (TypeORM retries a failed start).
    for (const replica of replicas) expect(replica.output.join('')).not.toMatch(/Unable to connect to the database|Migration .* failed/);
    const client = new Client({ connectionString: database.url });
    await client.connect();
    try {
      // Each migration recorded once (a second run of one would also have failed on its CREATE TABLE).
      const { rows } = await client.query<{ name: string }>('SELECT name FROM migrations ORDER BY name');
      expect(rows.map((r) => r.name)).toEqual(registryMigrations.map((m) => m.name).sort());
      const territories = await client.query<{ n: string }>('SELECT count(*) AS n FROM territories');
      expect(Number(territories.rows[0].n)).toBe(53);
    } finally {
      await client.end();
    }
  });
});
