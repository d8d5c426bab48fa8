import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { composeEnvironment, composeService } from './compose';
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

/** Port of the broker's listener for clients outside the container (EXTERNAL in docker-compose.yml). */
const KAFKA_CLIENT_PORT = 9092;

/**
 * The Kafka container of the tests: the broker of docker-compose.yml (the official apache/kafka
 * image of the version infra/kafka/pom.xml pins, and its settings), advertising the host port
 * that tests connect to. The testcontainers Kafka module takes Confluent images only, so this is
 * a generic container.
 */
export function kafkaContainerSpec(hostPort: number): { image: string; environment: Record<string, string>; port: number } {
  const broker = composeService('kafka');
  const environment = composeEnvironment(broker);
  // No "kafka" host name outside compose: the container reaches itself on localhost.
  environment.KAFKA_ADVERTISED_LISTENERS = `INTERNAL://localhost:19092,EXTERNAL://localhost:${hostPort}`;
  return { image: broker.image as string, environment, port: KAFKA_CLIENT_PORT };
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
