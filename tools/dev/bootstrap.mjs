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

/** Where the browser tests find Chromium (Debian's `chromium` package). */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * Installs Debian's Chromium for the browser tests when it is missing (`apt-get install -y chromium`
 * without recommended extras, which needs root); throws naming what to do when that is not possible.
 */
export function ensureChromium() {
  if (fs.existsSync(CHROMIUM_PATH)) return;
  const howTo = `install it (Debian/Ubuntu: apt-get install -y chromium) so that ${CHROMIUM_PATH} exists`;
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new Error(`the browser tests need Chromium at ${CHROMIUM_PATH}, and installing it needs root: ${howTo}`);
  }
  if (spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status !== 0) {
    throw new Error(`the browser tests need Chromium at ${CHROMIUM_PATH} and apt-get is not available: ${howTo}`);
  }
  console.log('[setup] installing Chromium for the browser tests (apt-get install -y chromium) ...');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let res = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], { stdio: 'inherit', env });
  if (res.status !== 0) {
    // A fresh machine may not have package lists yet.
    spawnSync('apt-get', ['update'], { stdio: 'inherit', env });
    res = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], { stdio: 'inherit', env });
  }
  if (res.status !== 0 || !fs.existsSync(CHROMIUM_PATH)) {
    throw new Error(`apt-get install -y chromium failed (exit ${res.status}); see the output above, then ${howTo}`);
  }
}

/** Prints the error of a failed step and exits non-zero. */
export function fail(err) {
  console.error(`\n✖ ${err.message}`);
  process.exit(1);
}
