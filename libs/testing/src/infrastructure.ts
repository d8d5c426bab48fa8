import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { composeService } from './compose';
import { freePort, repoRoot } from './local';

/** Where integration tests find their broker and database server. */
export interface TestInfrastructure {
  /** Comma-separated Kafka bootstrap servers. */
  kafkaBrokers: string;
  /** URL of a PostgreSQL server database with the right to create databases. */
  postgresUrl: string;
  /** How it was found: environment variables, testcontainers, or this machine's local services. */
  source: 'env' | 'testcontainers' | 'local';
  /** Releases what this resolution started (containers, the local broker); no-op otherwise. */
  stop(): Promise<void>;
}

/** Environment variables that point tests at an existing broker and database server. */
export const TestEnv = { kafkaBrokers: 'KI_TEST_KAFKA_BROKERS', postgresUrl: 'KI_TEST_POSTGRES_URL' } as const;

const kafkaScript = path.join(repoRoot, 'infra/kafka/kafka.mjs');
const log = (msg: string) => process.stderr.write(`[test-infra] ${msg}\n`);

/**
 * Resolution order: (a) KI_TEST_KAFKA_BROKERS and KI_TEST_POSTGRES_URL if both are set;
 * (b) testcontainers (Kafka + PostgreSQL) when a Docker engine answers;
 * (c) the broker of infra/kafka (started if needed) and the local PostgreSQL server.
 */
export async function resolveInfrastructure(env: NodeJS.ProcessEnv = process.env): Promise<TestInfrastructure> {
  const kafkaBrokers = env[TestEnv.kafkaBrokers];
  const postgresUrl = env[TestEnv.postgresUrl];
  if (kafkaBrokers && postgresUrl) {
    return { kafkaBrokers, postgresUrl, source: 'env', stop: async () => undefined };
  }
  if (await dockerAnswers()) return startContainers();
  return startLocal(env);
}

async function dockerAnswers(): Promise<boolean> {
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

/** Port of the broker's listener for clients outside the container. */
const KAFKA_CLIENT_PORT = 9092;

/**
 * The Kafka container of the tests: the official apache/kafka image that docker-compose.yml runs
 * (the version infra/kafka/pom.xml pins), as a development broker like the local one (one KRaft
 * node, no authentication, no topic auto-creation), advertising the host port that tests connect
 * to. The testcontainers Kafka module takes Confluent images only, so this is a generic container.
 */
export function kafkaContainerSpec(hostPort: number): { image: string; environment: Record<string, string>; port: number } {
  const environment: Record<string, string> = {
    KAFKA_NODE_ID: '1',
    KAFKA_PROCESS_ROLES: 'broker,controller',
    KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
    KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
    KAFKA_LISTENERS: `INTERNAL://:19092,EXTERNAL://:${KAFKA_CLIENT_PORT},CONTROLLER://:9093`,
    KAFKA_ADVERTISED_LISTENERS: `INTERNAL://localhost:19092,EXTERNAL://localhost:${hostPort}`,
    KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'INTERNAL:PLAINTEXT,EXTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT',
    KAFKA_INTER_BROKER_LISTENER_NAME: 'INTERNAL',
    KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
    KAFKA_NUM_PARTITIONS: '3',
    KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
    KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
    KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
    KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR: '1',
    KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR: '1',
    KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
  };
  return { image: composeService('kafka-1').image as string, environment, port: KAFKA_CLIENT_PORT };
}

async function startContainers(): Promise<TestInfrastructure> {
  const { GenericContainer, Wait } = await import('testcontainers');
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  log('Docker engine found: starting Kafka (KRaft) and PostgreSQL containers');
  // The advertised address must be known before the broker starts: a free host port, bound explicitly.
  const hostPort = await freePort();
  const spec = kafkaContainerSpec(hostPort);
  const [kafka, postgres] = await Promise.all([
    new GenericContainer(spec.image)
      .withEnvironment(spec.environment)
      .withExposedPorts({ container: spec.port, host: hostPort })
      .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
      .start(),
    new PostgreSqlContainer('postgres:15-alpine').start(),
  ]);
  return {
    kafkaBrokers: `localhost:${hostPort}`,
    postgresUrl: postgres.getConnectionUri(),
    source: 'testcontainers',
    stop: async () => {
      await Promise.all([kafka.stop(), postgres.stop()]);
    },
  };
}

function startLocal(env: NodeJS.ProcessEnv): TestInfrastructure {
  const wasRunning = spawnSync(process.execPath, [kafkaScript, 'status'], { env }).status === 0;
  execFileSync(process.execPath, [kafkaScript, 'start'], { env, stdio: ['ignore', 'inherit', 'inherit'] });
  const host = env.KAFKA_HOST ?? '127.0.0.1';
  const port = env.KAFKA_PORT ?? '9092';
  return {
    kafkaBrokers: `${host}:${port}`,
    postgresUrl: env.POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    source: 'local',
    stop: async () => {
      if (!wasRunning) execFileSync(process.execPath, [kafkaScript, 'stop'], { env, stdio: ['ignore', 'inherit', 'inherit'] });
    },
  };
}
