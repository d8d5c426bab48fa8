import { composeEnvironment, composeService, describeComposeService, repoFile, sampleEnvFile } from '@ki/testing';
import { loadConsoleConfig } from './config';

describeComposeService('console', loadConsoleConfig);

describe('docker-compose.yml service console: the inboxes', () => {
  it("reads each service's database as the console's own role", () => {
    const env = composeEnvironment(composeService('console'), sampleEnvFile());
    const databases = Object.values(JSON.parse(repoFile('infra/postgres/databases.json')) as Record<string, { database: string }>);
    const urls = ['CONSOLE_REGISTRY_DATABASE_URL', 'CONSOLE_LEDGER_DATABASE_URL', 'CONSOLE_NOTIFICATIONS_DATABASE_URL'].map(
      (v) => new URL(env[v]),
    );
    expect(urls.map((u) => u.pathname.slice(1)).sort()).toEqual(
      databases
        .map((d) => d.database)
        .filter((d) => d !== 'ki_console')
        .sort(),
    );
    for (const url of urls) {
      expect(url.hostname).toBe('postgres');
      expect(url.username).toBe('ki_console');
      expect(url.password).toBe(sampleEnvFile().CONSOLE_DB_PASSWORD);
    }
  });
});
