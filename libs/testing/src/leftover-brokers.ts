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

/** The file naming the processes of the Jest run that started a cluster. */
const OWNER_FILE = 'owner.json';

/**
 * Records which Jest run a new cluster belongs to: the test's process and its parent (the run's
 * main process when the test runs in a worker), so another Jest run's teardown leaves it alone.
 */
export function recordClusterOwner(localDir: string): void {
  fs.mkdirSync(path.join(repoRoot, localDir), { recursive: true });
  fs.writeFileSync(path.join(repoRoot, localDir, OWNER_FILE), JSON.stringify({ pids: [process.pid, process.ppid] }));
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** A cluster of this Jest run, or of a run that is gone; not one of another run still going. */
function ours(localDir: string): boolean {
  try {
    const { pids } = JSON.parse(fs.readFileSync(path.join(repoRoot, localDir, OWNER_FILE), 'utf8')) as { pids: number[] };
    return pids.includes(process.pid) || !pids.some(alive);
  } catch {
    return true; // no owner recorded: left by an older run
  }
}

/** Stops and deletes every disposable cluster a crashed or timed-out test of this run (or of a run that is gone) left behind. */
export async function destroyLeftoverBrokers(): Promise<void> {
  const parent = path.join(repoRoot, testClusters);
  for (const dir of fs.existsSync(parent) ? fs.readdirSync(parent) : []) {
    const localDir = path.join(testClusters, dir);
    if (!ours(localDir)) continue;
    for (const profile of fs.readdirSync(path.join(repoRoot, localDir))) {
      const match = profile.match(/^kafka(?:-(\d+)-nodes-(\w+?)(-tls)?)?$/);
      if (!match) continue;
      const settings = { KAFKA_NODES: match[1] ?? '1', KAFKA_SECURITY: match[2] ?? 'none', KAFKA_TLS: match[3] ? '1' : '' };
      await run(process.execPath, [kafkaScript, 'stop'], { env: { ...process.env, KI_LOCAL_DIR: localDir, ...settings } });
    }
    fs.rmSync(path.join(repoRoot, localDir), { recursive: true, force: true });
  }
}
