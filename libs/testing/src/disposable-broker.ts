import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { AdminPrincipal, Principals } from '@ki/contracts';
import { kafkaJsSecurity, readKafkaSecurity } from '@ki/platform';
import { uniqueId } from './isolation';
import { freePortRange, repoRoot } from './local';
import { recordClusterOwner, testClusters } from './leftover-brokers';

const run = promisify(execFile);
const kafkaScript = path.join(repoRoot, 'infra/kafka/kafka.mjs');

/** A Kafka cluster of one test's own, whose nodes the test may stop, kill and start again (same data, same ports). */
export interface DisposableCluster {
  /** Bootstrap servers of every node, comma-separated. */
  bootstrap: string;
  /** Node ids and their client listeners. */
  nodes: { id: number; bootstrap: string }[];
  /** The variables a client of `principal` reads (KAFKA_BROKERS and, when secured, KAFKA_SASL_*). */
  clientEnv(principal?: string): Record<string, string>;
  /** A kafkajs client of `principal` (the administrator by default), quiet unless something is wrong. */
  kafka(principal?: string): Kafka;
  start(): Promise<void>;
  stop(): Promise<void>;
  startNode(id: number): Promise<void>;
  stopNode(id: number): Promise<void>;
  /** SIGKILLs one node, as a crash would. */
  killNode(id: number): Promise<void>;
  /** Stops the cluster for good and deletes its data. */
  destroy(): Promise<void>;
}

/** A disposable single broker (the shape older tests use). */
export type DisposableBroker = Pick<DisposableCluster, 'bootstrap' | 'start' | 'stop' | 'destroy'>;

/**
 * Starts a cluster of `nodes` nodes from the jars of infra/kafka (Java and Maven needed), with
 * SASL/SCRAM and the ACLs of libs/contracts when `security` is `sasl` (over TLS with `tls`), for tests of outages and
 * access that must not disturb the shared broker other suites use.
 */
export async function startDisposableCluster(
  options: { nodes?: number; security?: 'none' | 'sasl'; tls?: boolean } = {},
): Promise<DisposableCluster> {
  const nodes = options.nodes ?? 1;
  const port = await freePortRange(2 * nodes);
  const localDir = path.join(testClusters, uniqueId());
  recordClusterOwner(localDir);
  const env = {
    ...process.env,
    KI_LOCAL_DIR: localDir,
    KAFKA_NODES: String(nodes),
    KAFKA_SECURITY: options.security ?? 'none',
    KAFKA_TLS: options.tls ? '1' : '',
    KAFKA_PORT: String(port),
    KAFKA_CONTROLLER_PORT: String(port + 1),
    KAFKA_HEAP: nodes === 1 ? '512m' : '384m',
    KAFKA_TOPIC_PREFIX: '',
  };
  const kafkaCommand = async (...args: string[]) => (await run(process.execPath, [kafkaScript, ...args], { env })).stdout;
  // Each principal's variables as infra/kafka prints them (`client-env`), read once the cluster is up.
  const envs = new Map<string, Record<string, string>>();
  const clientEnv = (principal = AdminPrincipal): Record<string, string> => {
    const variables = envs.get(principal);
    if (!variables) throw new Error(`unknown Kafka principal ${principal}; known: ${[...envs.keys()].join(', ')}`);
    return variables;
  };
  const cluster: DisposableCluster = {
    bootstrap: Array.from({ length: nodes }, (_, i) => `127.0.0.1:${port + 2 * i}`).join(','),
    nodes: Array.from({ length: nodes }, (_, i) => ({ id: i + 1, bootstrap: `127.0.0.1:${port + 2 * i}` })),
    clientEnv,
    kafka: (principal) => {
      const variables = clientEnv(principal);
      return new Kafka({
        clientId: `test-${uniqueId()}`,
        brokers: variables.KAFKA_BROKERS.split(','),
        logLevel: logLevel.NOTHING,
        ...kafkaJsSecurity(readKafkaSecurity(variables)),
      });
    },
    start: async () => void (await kafkaCommand('start')),
    stop: async () => void (await kafkaCommand('stop')),
    startNode: async (id) => void (await kafkaCommand('start-node', String(id))),
    stopNode: async (id) => void (await kafkaCommand('stop-node', String(id))),
    killNode: async (id) => void (await kafkaCommand('kill-node', String(id))),
    destroy: async () => {
      await kafkaCommand('stop');
      fs.rmSync(path.join(repoRoot, localDir), { recursive: true, force: true });
    },
  };
  await cluster.start();
  for (const principal of [AdminPrincipal, ...Object.values(Principals)]) {
    const lines = (await kafkaCommand('client-env', principal)).trim().split('\n');
    envs.set(principal, Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)])));
  }
  return cluster;
}

/** Starts a separate single-node broker, for tests of outages that must not disturb the shared broker. */
export function startDisposableBroker(): Promise<DisposableBroker> {
  return startDisposableCluster({ nodes: 1 });
}
