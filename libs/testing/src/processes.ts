import { ChildProcess, spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { eventually } from './eventually';
import { fetchHealth, freePort, repoRoot } from './local';

/**
 * Runs a TypeScript entry point of the repository (e.g. `apps/funding-ledger/src/main.ts`) as a
 * process of its own, the way `npm start` runs the services. Its stderr goes to the test's stderr,
 * or, with `capture`, both streams are readable from the child for the test to collect.
 * `nodeArgs` go to Node.js itself (e.g. `--cpu-prof`).
 */
export function startScriptProcess(
  script: string,
  env: Record<string, string>,
  options: { capture?: boolean; nodeArgs?: string[] } = {},
): ChildProcess {
  return spawn(process.execPath, [...(options.nodeArgs ?? []), '-r', '@swc-node/register', script], {
    cwd: repoRoot,
    env: {
      ...process.env,
      NODE_ENV: 'test',
      HTTP_RATE_LIMIT_PER_MINUTE: '100000',
      SWC_NODE_PROJECT: path.join(repoRoot, 'tsconfig.json'),
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: options.capture ? ['ignore', 'pipe', 'pipe'] : ['ignore', 'ignore', 'inherit'],
  });
}

/** Resolves with the exit code once the process has exited (null when a signal ended it). */
export function processExited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) =>
    child.exitCode !== null || child.signalCode !== null ? resolve(child.exitCode) : child.once('exit', resolve),
  );
}

/** A script running as its own process, with its stdout and stderr kept for failure messages. */
export interface ScriptRun {
  name: string;
  child: ChildProcess;
  output: string[];
}

/** A service's main.ts running as its own process on a free port. */
export interface ServiceProcess extends ScriptRun {
  url: string;
}

/** Runs a script of the repository and collects what it prints. */
export function runScript(name: string, script: string, env: Record<string, string>): ScriptRun {
  return collectOutput(name, startScriptProcess(script, env, { capture: true }));
}

function collectOutput(name: string, child: ChildProcess): ScriptRun {
  const output: string[] = [];
  child.stdout?.on('data', (d: Buffer) => output.push(d.toString()));
  child.stderr?.on('data', (d: Buffer) => output.push(d.toString()));
  return { name, child, output };
}

/**
 * Starts the production build of an app (`dist/apps/<app>/main.js`, from `nx run <app>:build`)
 * with plain `node` on a free port, outside the checkout's working directory.
 */
export async function startBuiltService(app: string, env: Record<string, string>): Promise<ServiceProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(repoRoot, 'dist', 'apps', app, 'main.js')], {
    cwd: os.tmpdir(),
    env: { ...process.env, LOG_LEVEL: 'warn', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { ...collectOutput(app, child), url: `http://127.0.0.1:${port}` };
}

/** Starts a service process on a free port, the way `npm start` starts it. */
export async function startServiceProcess(name: string, script: string, env: Record<string, string>): Promise<ServiceProcess> {
  const port = await freePort();
  return { ...runScript(name, script, { ...env, PORT: String(port) }), url: `http://127.0.0.1:${port}` };
}

/** Waits until every service answers /health with 200; fails at once, with its output, when one exits. */
export async function waitUntilHealthy(services: ServiceProcess[], timeout = 120_000): Promise<void> {
  for (const running of services)
    await eventually(
      async () => {
        if (running.child.exitCode !== null) throw new Error(`${running.name} exited early:\n${running.output.join('')}`);
        const { status } = await fetchHealth(running.url);
        if (status !== 200) throw new Error(`${running.name} /health answered ${status}`);
      },
      { name: `${running.name} healthy`, timeout, interval: 250 },
    );
}
