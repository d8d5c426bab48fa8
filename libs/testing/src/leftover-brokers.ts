import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './local';

// Imported by the Jest global teardown, which runs without the @ki/* path aliases: no imports of them here.
const run = promisify(execFile);
const kafkaScript = path.join(repoRoot, 'infra/kafka/kafka.mjs');

/** Where disposable clusters keep their data (each in a folder of its own). */
export const testClusters = path.join('.local', 'test-brokers');

/** Stops and deletes every disposable cluster a crashed or timed-out test left behind. */
export async function destroyLeftoverBrokers(): Promise<void> {
  const parent = path.join(repoRoot, testClusters);
  for (const dir of fs.existsSync(parent) ? fs.readdirSync(parent) : []) {
    const localDir = path.join(testClusters, dir);
    for (const profile of fs.readdirSync(path.join(repoRoot, localDir))) {
      const match = profile.match(/^kafka(?:-(\d+)-nodes-(\w+?)(-tls)?)?$/);
      if (!match) continue;
      const settings = { KAFKA_NODES: match[1] ?? '1', KAFKA_SECURITY: match[2] ?? 'none', KAFKA_TLS: match[3] ? '1' : '' };
      await run(process.execPath, [kafkaScript, 'stop'], { env: { ...process.env, KI_LOCAL_DIR: localDir, ...settings } });
    }
    fs.rmSync(path.join(repoRoot, localDir), { recursive: true, force: true });
  }
}
