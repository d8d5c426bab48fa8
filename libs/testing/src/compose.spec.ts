import { composeService, repoFile } from './compose';

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

  it('creates in PostgreSQL every database the local set-up creates', () => {
    const databases = Object.values(JSON.parse(repoFile('infra/postgres/databases.json')) as Record<string, { database: string }>);
    const created = [...repoFile('infra/postgres/init.sql').matchAll(/CREATE DATABASE (\w+)/g)].map((m) => m[1]);
    expect(created.sort()).toEqual(databases.map((d) => d.database).sort());
  });
});
