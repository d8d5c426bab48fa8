#!/usr/bin/env node
// `npm run bench`: installs what is missing, starts the local broker if needed, runs the
// benchmarks and prints each rate and one `ratio <name> <value>` line per comparison.
// BENCH_ONLY=messaging,ledger,e2e,bare,replay,console (any of them) runs only those parts.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ensureNodeModules, fail, repoRoot } from '../dev/bootstrap.mjs';

async function main() {
  ensureNodeModules();
  const { startKafka, stopKafka, kafkaSettings } = await import('../../infra/kafka/kafka.mjs');
  const { serverUrl } = await import('../../infra/postgres/setup.mjs');
  const kafka = await startKafka(kafkaSettings());
  const env = {
    ...process.env,
    SWC_NODE_PROJECT: path.join(repoRoot, 'tsconfig.json'),
    BENCH_KAFKA_BROKERS: kafka.bootstrap,
    BENCH_POSTGRES_URL: serverUrl(),
    // The end-to-end parts create their databases through the test harness, which reads these.
    KI_TEST_POSTGRES_URL: process.env.KI_TEST_POSTGRES_URL ?? serverUrl(),
    KI_TEST_KAFKA_BROKERS: kafka.bootstrap,
  };
  const only = (process.env.BENCH_ONLY ?? 'messaging,ledger,e2e,bare,replay,console').split(',');
  const parts = [
    ['tools/bench/messaging.bench.ts', ['messaging']],
    ['apps/funding-ledger/src/bench/allocation.bench.ts', ['ledger']],
    ['tools/bench/e2e.bench.ts', ['e2e', 'bare']],
    ['apps/notifications/src/bench/replay.bench.ts', ['replay']],
    ['tools/bench/console.bench.ts', ['console']],
  ].filter(([, names]) => names.some((name) => only.includes(name)));
  // Messaging (inbox, outbox relay) first, then the ledger's allocation path, the whole flow, the rebuild and the console's memory.
  let status = 0;
  try {
    for (const [script] of parts) {
      console.log(`\n== ${script}`);
      const res = spawnSync(process.execPath, ['-r', '@swc-node/register', script], { cwd: repoRoot, stdio: 'inherit', env });
      status ||= res.status ?? 1;
    }
  } finally {
    if (kafka.started && !process.env.KI_KEEP_KAFKA) await stopKafka();
  }
  process.exit(status);
}

main().catch(fail);
