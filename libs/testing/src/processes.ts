import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './local';

/**
 * Runs a TypeScript entry point of the repository (e.g. `apps/funding-ledger/src/main.ts`) as a
 * process of its own, the way `npm start` runs the services. Its stderr goes to the test's stderr,
 * or, with `capture`, both streams are readable from the child for the test to collect.
 */
export function startScriptProcess(script: string, env: Record<string, string>, options: { capture?: boolean } = {}): ChildProcess {
  return spawn(process.execPath, ['-r', '@swc-node/register', script], {
    cwd: repoRoot,
    env: { ...process.env, SWC_NODE_PROJECT: path.join(repoRoot, 'tsconfig.json'), LOG_LEVEL: 'warn', ...env },
    stdio: options.capture ? ['ignore', 'pipe', 'pipe'] : ['ignore', 'ignore', 'inherit'],
  });
}

/** Resolves with the exit code once the process has exited (null when a signal ended it). */
export function processExited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) =>
    child.exitCode !== null || child.signalCode !== null ? resolve(child.exitCode) : child.once('exit', resolve),
  );
}
