import { composeService, composeServices, envExample, repoFile } from './compose';
import { requiredVariable } from './compose-checks';

const databases = Object.values(JSON.parse(repoFile('infra/postgres/databases.json')) as Record<string, { database: string }>).map(
  (d) => d.database,
);
const initSql = repoFile('infra/postgres/init.sql');
const statements = initSql
  .split('\n')
  .filter((l) => !l.startsWith('--') && !l.startsWith('\\'))
  .join('\n')
  .split(';')
  .map((s) => s.replace(/\s+/g, ' ').trim())
  .filter(Boolean);

describe('docker-compose.yml infrastructure', () => {
  it('runs the official Apache Kafka image of the version the local broker pins', () => {
    const pinned = repoFile('infra/kafka/pom.xml').match(/<kafka\.version>([^<]+)</)?.[1];
    expect(composeService('kafka').image).toBe(`apache/kafka:${pinned}`);
  });

  it('runs Kafka as a single KRaft node without topic auto-creation', () => {
    const env = composeService('kafka').environment ?? {};
    expect(env.KAFKA_PROCESS_ROLES).toBe('broker,controller');
    expect(env.KAFKA_AUTO_CREATE_TOPICS_ENABLE).toBe('false');
    expect(env.KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR).toBe(1);
  });

  it('runs all four services, and publishes no database or broker port', () => {
    expect(Object.keys(composeServices()).sort()).toEqual(['console', 'funding-ledger', 'kafka', 'notifications', 'postgres', 'registry']);
    expect(composeService('kafka').ports).toBeUndefined();
    expect(composeService('postgres').ports).toBeUndefined();
  });

  it('has PostgreSQL ask every network connection for a password (SCRAM), from .env', () => {
    const env = composeService('postgres').environment ?? {};
    expect(env.POSTGRES_HOST_AUTH_METHOD).toBe('scram-sha-256');
    expect(env.POSTGRES_INITDB_ARGS).toBe('--auth-host=scram-sha-256');
    expect(requiredVariable(env.POSTGRES_PASSWORD)).toBe('POSTGRES_PASSWORD');
    expect(repoFile('docker-compose.yml')).not.toMatch(/trust/);
  });

  it('creates every service database owned by a login role of its own, and the console its own', () => {
    const owned = statements.map((s) => /^CREATE DATABASE (\w+) OWNER (\w+)$/.exec(s)).filter((m) => m !== null);
    expect(owned.map((m) => m[1]).sort()).toEqual([...databases, 'ki_console'].sort());
    for (const [, database, owner] of owned) {
      expect(owner).toBe(database);
      expect(statements).toContainEqual(expect.stringMatching(new RegExp(`^CREATE ROLE ${owner} LOGIN PASSWORD :'\\w+'$`)));
    }
    // Each password comes from a variable the postgres container gets from .env.
    const postgresEnv = composeService('postgres').environment ?? {};
    for (const [, variable] of initSql.matchAll(/^\\getenv \w+ (\w+)$/gm)) expect(requiredVariable(postgresEnv[variable])).toBe(variable);
  });

  it('lets no role into a database it does not own, except the console, which may read the inbox tables only', () => {
    expect(statements).toContain(`REVOKE ALL ON DATABASE ${[...databases, 'ki_console'].join(', ')} FROM PUBLIC`);
    const grants = statements.filter((s) => s.startsWith('GRANT'));
    expect(grants.sort()).toEqual(
      [`GRANT CONNECT ON DATABASE ${databases.join(', ')} TO ki_console`, 'GRANT ki_inbox_reader TO ki_console'].sort(),
    );
    expect(statements).toContain('CREATE ROLE ki_inbox_reader NOLOGIN');
    expect(repoFile('libs/messaging/src/migrations/1764200000000-inbox-reader-grant.ts')).toContain(
      'GRANT SELECT ON messaging_inbox TO ${INBOX_READER_ROLE}',
    );
  });

  it('commits no secret: .env.example leaves every value empty and .env is ignored by git', () => {
    expect(Object.entries(envExample()).filter(([, value]) => value !== '')).toEqual([]);
    expect(repoFile('.gitignore').split('\n')).toContain('.env');
    expect(repoFile('.dockerignore').split('\n')).toContain('.env');
  });
});
