import type { ServiceConfig } from '@ki/platform';
import { composeEnvironment, composeService, repoFile } from './compose';

/**
 * Declares the tests that docker-compose.yml runs service `name` with the configuration its own
 * code reads: the command, the port, its own database and the broker's internal listener.
 */
export function describeComposeService(name: string, loadConfig: (env: NodeJS.ProcessEnv) => ServiceConfig): void {
  describe(`docker-compose.yml service ${name}`, () => {
    const service = composeService(name);
    // NODE_ENV=test where the file sets none: these checks read ports and URLs, not keys.
    const config = loadConfig({ NODE_ENV: 'test', ...composeEnvironment(service) });
    const defaults = loadConfig({ NODE_ENV: 'test' });
    const databases = JSON.parse(repoFile('infra/postgres/databases.json')) as Record<string, { database: string }>;

    it('runs the main.ts of the service', () => {
      expect(service.command).toEqual(['node', '-r', '@swc-node/register', `apps/${name}/src/main.ts`]);
    });

    it('listens on all interfaces on the default port and publishes that port', () => {
      expect(config.http).toMatchObject({ host: '0.0.0.0', port: defaults.http.port });
      expect(service.ports).toEqual([`${defaults.http.port}:${defaults.http.port}`]);
    });

    it('uses the database the local set-up creates for it, on the postgres container', () => {
      const url = new URL(config.databaseUrl);
      expect(url.hostname).toBe('postgres');
      expect(url.pathname).toBe(`/${databases[name].database}`);
      expect(new URL(defaults.databaseUrl).pathname).toBe(url.pathname);
    });

    it('reaches the broker on its internal listener and waits for broker and database', () => {
      const advertised = String(composeService('kafka').environment?.KAFKA_ADVERTISED_LISTENERS).split(',');
      expect(config.kafka.brokers.map((b) => `INTERNAL://${b}`).every((b) => advertised.includes(b))).toBe(true);
      expect(service.depends_on).toEqual({ kafka: { condition: 'service_healthy' }, postgres: { condition: 'service_healthy' } });
    });
  });
}
