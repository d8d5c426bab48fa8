#!/usr/bin/env node
// `npm run chaos`: installs what is missing, then runs tools/chaos/chaos.ts (its own cluster,
// databases and service processes) and exits with its code.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ensureNodeModules, fail, repoRoot } from '../dev/bootstrap.mjs';

async function main() {
  ensureNodeModules();
  const { serverUrl } = await import('../../infra/postgres/setup.mjs');
  const env = {
    ...process.env,
    SWC_NODE_PROJECT: path.join(repoRoot, 'tsconfig.json'),
    // The chaos run creates its own databases on this server (the test harness' variables name it).
    KI_TEST_POSTGRES_URL: process.env.KI_TEST_POSTGRES_URL ?? serverUrl(),
    KI_TEST_KAFKA_BROKERS: process.env.KI_TEST_KAFKA_BROKERS ?? 'unused-by-chaos:9092',
  };
  const res = spawnSync(process.execPath, ['-r', '@swc-node/register', 'tools/chaos/chaos.ts'], { cwd: repoRoot, stdio: 'inherit', env });
  process.exit(res.status ?? 1);
}

main().catch(fail);
