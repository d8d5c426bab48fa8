import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Command } from '../command';

/** The registry's own import script; `ki` runs it as a process of its own and never imports the app. */
const script = 'apps/registry/src/history/import-history.cli.ts';

/** The checkout `ki` runs from: tools/cli/src/commands, or dist/tools/cli/tools/cli/src/commands when built. */
function findRepoRoot(): string {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, script))) return dir;
  }
  throw new Error(`import-history runs the registry's ${script} and needs a checkout of ki-network around ki`);
}

export const importHistory: Command = {
  words: ['import-history'],
  summary: "open the historic centres 1 to 49 through the registry's handlers (npm run registry:import-history)",
  synopsis: '[FILE.csv]',
  details: [
    'writes to the registry database DATABASE_URL (default ki_registry) and sends the events to KAFKA_BROKERS',
    "(KAFKA_TOPIC_PREFIX); the import prints what it did; its exit code is ki's",
  ],
  options: {},
  positionals: { min: 0, max: 1 },
  run(context) {
    const repoRoot = findRepoRoot();
    const { kafkaBrokers, topicPrefix } = context.config;
    const env = {
      ...context.env,
      KAFKA_BROKERS: kafkaBrokers.join(','),
      KAFKA_TOPIC_PREFIX: topicPrefix,
      SWC_NODE_PROJECT: context.env.SWC_NODE_PROJECT ?? path.join(repoRoot, 'tsconfig.json'),
    };
    const args = ['-r', '@swc-node/register', script, ...context.positionals.map((f) => path.resolve(f))];
    return new Promise<number>((resolve, reject) => {
      const child = spawn(process.execPath, args, { cwd: repoRoot, env, stdio: 'inherit' });
      child.on('error', reject);
      child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
    });
  },
};
