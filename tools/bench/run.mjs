#!/usr/bin/env node
// `npm run bench`: installs what is missing, starts the local broker if needed, runs the
// benchmarks and prints each rate and one `ratio <name> <value>` line per comparison.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ensureNodeModules, fail, repoRoot } from '../dev/bootstrap.mjs';

async function main() {
  ensureNodeModules();
  const { startKafka, stopKafka, kafkaSettings } = await import('../../infra/kafka/kafka.mjs');
  const { serverUrl } = await import('../../infra/postgres/setup.mjs');
  const kafka = await startKafka(kafkaSettings());
  const res = spawnSync(process.execPath, ['-r', '@swc-node/register', 'tools/bench/messaging.bench.ts'], {
    cwd: repoRoot,
    stdio: 'inherit',
    env: {
      ...process.env,
      SWC_NODE_PROJECT: path.join(repoRoot, 'tsconfig.json'),
      BENCH_KAFKA_BROKERS: kafka.bootstrap,
      BENCH_POSTGRES_URL: serverUrl(),
    },
  });
  if (kafka.started && !process.env.KI_KEEP_KAFKA) await stopKafka();
  process.exit(res.status ?? 1);
}

main().catch(fail);
