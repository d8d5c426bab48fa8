import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { TestEnv } from './infrastructure';

/** Broker and database server of this test run, as resolved by the Jest global set-up. */
export function testInfrastructure(): { kafkaBrokers: string[]; postgresUrl: string } {
  const brokers = process.env[TestEnv.kafkaBrokers];
  const postgresUrl = process.env[TestEnv.postgresUrl];
  if (!brokers || !postgresUrl) {
    throw new Error(
      `${TestEnv.kafkaBrokers} and ${TestEnv.postgresUrl} are unset: run integration tests through their Jest tier (int or e2e)`,
    );
  }
  return { kafkaBrokers: brokers.split(','), postgresUrl };
}

/** A short random id for names that must not collide between runs or parallel suites. */
export function uniqueId(): string {
  return randomBytes(4).toString('hex');
}

/** A topic prefix of its own for one test, so suites never see each other's messages. */
export function uniqueTopicPrefix(label = 't'): string {
  return `${label}-${uniqueId()}.`;
}

/**
 * Topic and consumer group prefix of one test's services: they see only their own topics, and no
 * service of a suite running in parallel joins their consumer groups (as kafka config values).
 */
export function isolatedKafka(prefix: string): { topicPrefix: string; groupIdPrefix: string } {
  return { topicPrefix: prefix, groupIdPrefix: prefix };
}

/** The same as environment variables, for services started as processes. */
export function isolatedKafkaEnv(prefix: string): { KAFKA_TOPIC_PREFIX: string; KAFKA_GROUP_ID_PREFIX: string } {
  return { KAFKA_TOPIC_PREFIX: prefix, KAFKA_GROUP_ID_PREFIX: prefix };
}

/** A database created for one spec file; `drop()` removes it again. */
export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** Creates an empty database on the test server; each spec file gets its own. */
export async function createTestDatabase(label: string): Promise<TestDatabase> {
  const { postgresUrl } = testInfrastructure();
  const name = `ki_test_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${uniqueId()}`;
  await withServer(postgresUrl, (c) => c.query(`CREATE DATABASE "${name}"`));
  const url = new URL(postgresUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: () => withServer(postgresUrl, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined),
  };
}

async function withServer<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
