import { INestApplication } from '@nestjs/common';
import { bootstrapService, createRootLogger, ServiceConfig, ServiceDefinition } from '@ki/platform';
import type { AddressInfo } from 'node:net';
import { createTestDatabase, isolatedKafka, TestDatabase, testInfrastructure, uniqueTopicPrefix } from './isolation';

/** A service running in the test process against the real broker and its own fresh database. */
export interface TestService {
  app: INestApplication;
  config: ServiceConfig;
  database: TestDatabase;
  /** Base URL of its HTTP API. */
  url: string;
  /** The id on the broker of its consumer group `name` (prefixed like its topics). */
  groupId(name: string): string;
  /** Stops the service and drops its database. */
  close(): Promise<void>;
}

export interface TestServiceOptions {
  /**
   * Topic prefix shared by services that must see each other's events; a fresh one by default.
   * It prefixes the consumer group ids too, so instances sharing it share their groups and no
   * other suite's service joins them.
   */
  topicPrefix?: string;
  /** Extra environment variables for the service's configuration. */
  env?: Record<string, string>;
  /** Rewrites the database URL the service uses (e.g. to go through a TcpProxy). */
  databaseUrlVia?: (url: string) => string;
  /** Receives every JSON log line of the service (they go to stdout otherwise). */
  logSink?: (line: string) => void;
  /**
   * Name of this instance as its database connections' `application_name`, which the inbox
   * records with every event it handles (`messaging_inbox.handled_by`).
   */
  instance?: string;
  /** Database of another instance of the same service (a second member of its consumer group); a fresh one by default. */
  database?: TestDatabase;
}

/** Starts a service the way its main.ts does, on a random port, with isolated topics and database. */
export async function startTestService(definition: ServiceDefinition, options: TestServiceOptions = {}): Promise<TestService> {
  const { kafkaBrokers } = testInfrastructure();
  const base = definition.loadConfig({
    NODE_ENV: 'test',
    KAFKA_BROKERS: kafkaBrokers.join(','),
    LOG_LEVEL: 'warn',
    // Tests poll from one address many times a second; the rate limit has a test of its own.
    HTTP_RATE_LIMIT_PER_MINUTE: '100000',
    ...options.env,
  });
  const database = options.database ?? (await createTestDatabase(base.service));
  const prefix = options.topicPrefix ?? uniqueTopicPrefix();
  const config: ServiceConfig = {
    ...base,
    databaseUrl: withInstance(options.databaseUrlVia ? options.databaseUrlVia(database.url) : database.url, options.instance),
    http: { ...base.http, host: '127.0.0.1', port: 0 },
    kafka: { ...base.kafka, ...isolatedKafka(prefix) },
  };
  const destination = options.logSink ? { write: (line: string) => options.logSink?.(line) } : undefined;
  const app = await bootstrapService(definition.rootModule(config, createRootLogger(config, destination)), config, definition.docs);
  const { port } = app.getHttpServer().address() as AddressInfo;
  return {
    app,
    config,
    database,
    url: `http://127.0.0.1:${port}`,
    groupId: (name) => `${config.kafka.groupIdPrefix}${name}`,
    close: async () => {
      try {
        await app.close();
      } finally {
        // A shared database belongs to the instance that created it.
        if (!options.database) await database.drop();
      }
    },
  };
}

function withInstance(databaseUrl: string, instance: string | undefined): string {
  if (!instance) return databaseUrl;
  const url = new URL(databaseUrl);
  url.searchParams.set('application_name', instance);
  return url.toString();
}
