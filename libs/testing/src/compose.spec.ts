import { AdminPrincipal, Principals } from '@ki/contracts';
import { composeService, composeServices, envExample, repoFile } from './compose';
import { requiredVariable } from './compose-checks';

const databases = Object.values(JSON.parse(repoFile('infra/postgres/databases.json')) as Record<string, { database: string }>).map(
  (d) => d.database,
);
/** The databases whose inbox tables the console reads: every one but its own. */
const inboxDatabases = databases.filter((d) => d !== 'ki_console');
const initSql = repoFile('infra/postgres/init.sql');
const statements = initSql
  .split('\n')
  .filter((l) => !l.startsWith('--') && !l.startsWith('\\'))
  .join('\n')
  .split(';')
  .map((s) => s.replace(/\s+/g, ' ').trim())
  .filter(Boolean);

describe('docker-compose.yml infrastructure', () => {
  const kafkaNodes = ['kafka-1', 'kafka-2', 'kafka-3'];

  it('runs the official Apache Kafka image of the version the local broker pins', () => {
    const pinned = repoFile('infra/kafka/pom.xml').match(/<kafka\.version>([^<]+)</)?.[1];
    for (const name of [...kafkaNodes, 'kafka-setup']) expect(composeService(name).image).toBe(`apache/kafka:${pinned}`);
  });

  it('runs Kafka as three KRaft nodes with SASL/SCRAM, deny-by-default ACLs and three copies of every partition', () => {
    const script = repoFile('infra/kafka/compose/node.sh');
    expect(script).toContain('controller.quorum.voters=1@kafka-1:9093,2@kafka-2:9093,3@kafka-3:9093');
    expect(script).toContain('listener.security.protocol.map=CLIENT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT');
    expect(script).toContain('authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer');
    expect(script).toContain('allow.everyone.if.no.acl.found=false');
    expect(script).toContain('auto.create.topics.enable=false');
    expect(script).toContain('min.insync.replicas=2');
    kafkaNodes.forEach((name, i) => {
      expect(composeService(name).environment).toMatchObject({ KAFKA_NODE_ID: i + 1 });
      expect(composeService(name).entrypoint).toEqual(['bash', '/ki/node.sh']);
    });
  });

  it('creates a SCRAM user for every principal of libs/contracts, each password from .env', () => {
    const script = repoFile('infra/kafka/compose/node.sh');
    const users = [...script.matchAll(/"(ki-[a-z-]+):\$\{(\w+)(?::\?)?\}"/g)].map((m) => [m[1], m[2]]);
    expect(users.map(([user]) => user).sort()).toEqual([AdminPrincipal, ...Object.values(Principals)].sort());
    const env = composeService('kafka-1').environment ?? {};
    for (const [, variable] of users) {
      expect(requiredVariable(env[variable])).toBe(variable);
      expect(envExample()[variable]).toBe('');
    }
  });

  it('sets up topics and ACLs with the script generated from the declaration before any service starts', () => {
    expect(composeService('kafka-setup').entrypoint).toEqual(['bash', '/ki/set-up-access.sh']);
    expect(composeService('kafka-setup').depends_on).toEqual(
      Object.fromEntries(kafkaNodes.map((name) => [name, { condition: 'service_healthy' }])),
    );
  });

  it('runs all four services, and publishes no database or broker port', () => {
    expect(Object.keys(composeServices()).sort()).toEqual(
      ['console', 'funding-ledger', ...kafkaNodes, 'kafka-setup', 'notifications', 'postgres', 'registry'].sort(),
    );
    for (const name of [...kafkaNodes, 'postgres']) expect(composeService(name).ports).toBeUndefined();
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
    expect(owned.map((m) => m[1]).sort()).toEqual([...databases].sort());
    for (const [, database, owner] of owned) {
      expect(owner).toBe(database);
      expect(statements).toContainEqual(expect.stringMatching(new RegExp(`^CREATE ROLE ${owner} LOGIN PASSWORD :'\\w+'$`)));
    }
    // Each password comes from a variable the postgres container gets from .env.
    const postgresEnv = composeService('postgres').environment ?? {};
    for (const [, variable] of initSql.matchAll(/^\\getenv \w+ (\w+)$/gm)) expect(requiredVariable(postgresEnv[variable])).toBe(variable);
  });

  it('lets no role into a database it does not own, except the console, which may read the inbox tables only', () => {
    expect(statements).toContain(`REVOKE ALL ON DATABASE ${databases.join(', ')} FROM PUBLIC`);
    const grants = statements.filter((s) => s.startsWith('GRANT'));
    expect(grants.sort()).toEqual(
      [`GRANT CONNECT ON DATABASE ${inboxDatabases.join(', ')} TO ki_console`, 'GRANT ki_inbox_reader TO ki_console'].sort(),
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
