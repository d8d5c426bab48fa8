import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { uniqueId } from './isolation';
import { freePort, repoRoot } from './local';

const run = promisify(execFile);
const kafkaScript = path.join(repoRoot, 'infra/kafka/kafka.mjs');

/** A Kafka broker of one test's own, which the test may stop and start again (same data, same ports). */
export interface DisposableBroker {
  bootstrap: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Stops the broker for good and deletes its data. */
  destroy(): Promise<void>;
}

/**
 * Starts a separate single-node broker from the jars of infra/kafka (Java and Maven needed), for
 * tests of outages that must not disturb the shared broker other suites use.
 */
export async function startDisposableBroker(): Promise<DisposableBroker> {
  const [port, controllerPort] = [await freePort(), await freePort()];
  const localDir = path.join('.local', 'test-brokers', uniqueId());
  const env = {
    ...process.env,
    KI_LOCAL_DIR: localDir,
    KAFKA_PORT: String(port),
    KAFKA_CONTROLLER_PORT: String(controllerPort),
    KAFKA_HEAP: '512m',
  };
  const kafka = (command: string) => run(process.execPath, [kafkaScript, command], { env });
  const broker: DisposableBroker = {
    bootstrap: `127.0.0.1:${port}`,
    start: async () => void (await kafka('start')),
    stop: async () => void (await kafka('stop')),
    destroy: async () => {
      await kafka('stop');
      fs.rmSync(path.join(repoRoot, localDir), { recursive: true, force: true });
    },
  };
  await broker.start();
  return broker;
}

/** Stops and deletes every disposable broker a crashed or timed-out test left behind. */
export async function destroyLeftoverBrokers(): Promise<void> {
  const parent = path.join(repoRoot, '.local', 'test-brokers');
  const dirs = fs.existsSync(parent) ? fs.readdirSync(parent) : [];
  for (const dir of dirs) {
    const localDir = path.join('.local', 'test-brokers', dir);
    await run(process.execPath, [kafkaScript, 'stop'], { env: { ...process.env, KI_LOCAL_DIR: localDir } });
    fs.rmSync(path.join(repoRoot, localDir), { recursive: true, force: true });
  }
}
