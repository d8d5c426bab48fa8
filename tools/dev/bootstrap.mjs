// Shared first steps of `npm start` and `npm test`: install what is missing, then bring up
// the local infrastructure. Only Node built-ins are imported before `npm ci` has run.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const stampFile = path.join(repoRoot, 'node_modules', '.ki-install-stamp');

function lockHash() {
  return createHash('sha256')
    .update(fs.readFileSync(path.join(repoRoot, 'package-lock.json')))
    .digest('hex');
}

/** Runs `npm ci` when node_modules is missing or was installed from another package-lock.json. */
export function ensureNodeModules() {
  const wanted = lockHash();
  if (fs.existsSync(stampFile) && fs.readFileSync(stampFile, 'utf8') === wanted) return;
  console.log('[setup] installing node modules (npm ci) ...');
  const res = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: repoRoot, stdio: 'inherit' });
  if (res.status !== 0) throw new Error(`npm ci failed (exit ${res.status}); see the output above`);
  fs.writeFileSync(stampFile, wanted);
}

/** Starts the local Kafka broker (unless ours runs already) and creates the services' databases. */
export async function ensureLocalInfrastructure(env = process.env) {
  const { startKafka, kafkaSettings } = await import('../../infra/kafka/kafka.mjs');
  const { ensureDatabases, databaseUrls, serverUrl } = await import('../../infra/postgres/setup.mjs');
  const kafka = await startKafka(kafkaSettings(env));
  await ensureDatabases(env);
  return { kafka, databaseUrls: databaseUrls(env), postgresUrl: serverUrl(env) };
}

/** Prints the error of a failed step and exits non-zero. */
export function fail(err) {
  console.error(`\n✖ ${err.message}`);
  process.exit(1);
}
