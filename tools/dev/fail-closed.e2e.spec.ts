import {
  createTestDatabase,
  processExited,
  runScript,
  ServiceProcess,
  startServiceProcess,
  TestDatabase,
  testInfrastructure,
  uniqueTopicPrefix,
  waitUntilHealthy,
} from '@ki/testing';

const services = [
  { name: 'registry', keys: 'REGISTRY_API_KEYS' },
  { name: 'funding-ledger', keys: 'LEDGER_API_KEYS' },
  { name: 'notifications', keys: 'NOTIFICATIONS_API_KEYS' },
  { name: 'console', keys: 'CONSOLE_API_KEYS' },
];

describe('a service without its API keys', () => {
  it.each(services)('$name refuses to start when NODE_ENV is unset, naming $keys', async ({ name, keys }) => {
    // An empty value counts as unset (the configuration ignores empty variables).
    const run = runScript(name, `apps/${name}/src/main.ts`, { NODE_ENV: '', [keys]: '' });

    const code = await processExited(run.child);

    expect(code).not.toBe(0);
    expect(run.output.join('')).toContain(`${keys} must be set`);
  });

  describe('with NODE_ENV=development', () => {
    let database: TestDatabase;
    let registry: ServiceProcess;

    beforeAll(async () => {
      database = await createTestDatabase('fail_closed');
      registry = await startServiceProcess('registry', 'apps/registry/src/main.ts', {
        NODE_ENV: 'development',
        REGISTRY_API_KEYS: '',
        LOG_LEVEL: 'info',
        DATABASE_URL: database.url,
        KAFKA_BROKERS: testInfrastructure().kafkaBrokers.join(','),
        KAFKA_TOPIC_PREFIX: uniqueTopicPrefix('failclosed'),
      });
    }, 60_000);

    afterAll(async () => {
      registry?.child.kill('SIGTERM');
      if (registry) await processExited(registry.child);
      await database?.drop();
    });

    it('starts, says that the development keys are active and accepts the development key', async () => {
      await waitUntilHealthy([registry]);

      expect(registry.output.join('')).toContain('development API keys are active');
      const refused = await fetch(`${registry.url}/centres`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: '{}',
      });
      const accepted = await fetch(`${registry.url}/centres`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-API-Key': 'ki-dev-registry-write-key' },
        body: '{}',
      });
      expect(refused.status).toBe(401);
      expect(accepted.status).toBe(400);
    }, 120_000);
  });
});
