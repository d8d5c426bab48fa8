#!/usr/bin/env node
// `npm start`: installs what is missing, starts the Kafka broker, creates the databases, starts
// every service with prefixed readable logs, waits until each /health answers 200 and prints
// where to look. Ctrl-C stops the services and the broker this run started.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { ensureLocalInfrastructure, ensureNodeModules, fail, repoRoot } from './bootstrap.mjs';
import { formatLogLine } from './log-format.mjs';

/** The services `npm start` runs; ports can be changed with REGISTRY_PORT, LEDGER_PORT, NOTIFICATIONS_PORT, CONSOLE_PORT. */
/** On a secured cluster (KAFKA_SECURITY=sasl) each service connects as its own Kafka principal. */
export const SERVICES = [
  { name: 'registry', port: Number(process.env.REGISTRY_PORT ?? 3001), color: 36, principal: 'ki-registry' },
  { name: 'funding-ledger', port: Number(process.env.LEDGER_PORT ?? 3002), color: 33, principal: 'ki-funding-ledger' },
  { name: 'notifications', port: Number(process.env.NOTIFICATIONS_PORT ?? 3003), color: 35, principal: 'ki-notifications' },
  // The operator console indexes every topic in its own database and reads the others' inboxes (read-only).
  { name: 'console', port: Number(process.env.CONSOLE_PORT ?? 3000), color: 32, readsInboxes: true, principal: 'ki-console' },
];

const runDir = path.resolve(repoRoot, process.env.KI_LOCAL_DIR ?? '.local', 'run');
const children = new Map();
let stopping = false;
let brokerStartedHere = false;

function pidFile(name) {
  return path.join(runDir, `${name}.pid`);
}

/** A service process left behind by an earlier run that crashed: stop it before starting anew. */
function stopLeftover(name) {
  let pid;
  try {
    pid = Number(fs.readFileSync(pidFile(name), 'utf8'));
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (!cmdline.includes(`apps/${name}/src/main.ts`)) return;
  } catch {
    return;
  }
  console.log(`[start] stopping ${name} (pid ${pid}) left over from an earlier run`);
  process.kill(pid, 'SIGKILL');
}

function portInUse(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

function prefixed(name, color) {
  const tag = `\x1b[${color}m${name.padEnd(14)}\x1b[0m│ `;
  let pending = '';
  return (chunk) => {
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop();
    for (const line of lines) {
      const text = line.trim() ? formatLogLine(line) : null;
      if (text !== null) process.stdout.write(`${tag}${text}\n`);
    }
  };
}

function startService(service, env) {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', `apps/${service.name}/src/main.ts`], {
    cwd: repoRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    // A process group of its own: Ctrl-C reaches only this starter, which stops each service with one SIGTERM.
    detached: true,
  });
  fs.writeFileSync(pidFile(service.name), String(child.pid));
  const write = prefixed(service.name, service.color);
  child.stdout.on('data', write);
  child.stderr.on('data', write);
  child.on('exit', (code, signal) => {
    children.delete(service.name);
    fs.rmSync(pidFile(service.name), { force: true });
    if (!stopping) {
      console.error(`\n✖ ${service.name} exited (${signal ?? `code ${code}`}); its last lines are above. Stopping everything.`);
      shutdown(1);
    }
  });
  children.set(service.name, child);
}

async function waitForHealth(service, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline && !stopping) {
    try {
      const res = await fetch(`http://127.0.0.1:${service.port}/health`, { signal: AbortSignal.timeout(3000) });
      if (res.status === 200) return;
      last = `${res.status} ${await res.text()}`;
    } catch (err) {
      last = err.message;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${service.name} did not become healthy within ${timeoutMs / 1000} s (last: ${last})`);
}

async function shutdown(code = 0) {
  if (stopping) return;
  stopping = true;
  console.log('\n[start] stopping services ...');
  const exits = [...children.values()].map(
    (child) =>
      new Promise((resolve) => {
        const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
        child.once('exit', () => (clearTimeout(kill), resolve()));
        child.kill('SIGTERM');
      }),
  );
  await Promise.all(exits);
  if (brokerStartedHere && !process.env.KI_KEEP_KAFKA) {
    const { stopKafka, kafkaSettings } = await import('../../infra/kafka/kafka.mjs');
    await stopKafka(kafkaSettings());
  }
  console.log('[start] everything stopped');
  process.exit(code);
}

async function main() {
  ensureNodeModules();
  process.on('SIGINT', () => shutdown(0));
  process.on('SIGTERM', () => shutdown(0));
  // A closed terminal: the services, in groups of their own, would not hear it otherwise.
  process.on('SIGHUP', () => shutdown(0));
  const infra = await ensureLocalInfrastructure();
  brokerStartedHere = infra.kafka.started;

  fs.mkdirSync(runDir, { recursive: true });
  for (const service of SERVICES) {
    stopLeftover(service.name);
    if (await portInUse(service.port)) {
      throw new Error(
        `port ${service.port} for ${service.name} is in use by another program (see: ss -ltnp 'sport = :${service.port}'); stop it or set ${service.name === 'funding-ledger' ? 'LEDGER' : service.name.toUpperCase()}_PORT`,
      );
    }
  }
  const { clientEnv, kafkaSettings } = await import('../../infra/kafka/kafka.mjs');
  const kafka = kafkaSettings();
  const startedAt = Date.now();
  const consoleDatabases = {
    CONSOLE_REGISTRY_DATABASE_URL: infra.databaseUrls.registry,
    CONSOLE_LEDGER_DATABASE_URL: infra.databaseUrls['funding-ledger'],
    CONSOLE_NOTIFICATIONS_DATABASE_URL: infra.databaseUrls.notifications,
  };
  for (const service of SERVICES) {
    startService(service, {
      ...process.env,
      // The published development keys apply only under NODE_ENV=development (or test).
      NODE_ENV: process.env.NODE_ENV ?? 'development',
      PORT: String(service.port),
      DATABASE_URL: infra.databaseUrls[service.name],
      ...(service.readsInboxes ? consoleDatabases : {}),
      ...clientEnv(kafka, service.principal),
      SWC_NODE_PROJECT: path.join(repoRoot, 'tsconfig.json'),
    });
  }
  await Promise.all(SERVICES.map((s) => waitForHealth(s)));
  const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
  const rows = SERVICES.map((s) =>
    s.name === 'console'
      ? `  ${'console'.padEnd(15)} http://127.0.0.1:${s.port}   operator web page; API docs /docs`
      : `  ${s.name.padEnd(15)} http://127.0.0.1:${s.port}   health /health   API docs /docs`,
  );
  console.log(
    [
      '',
      `✔ ki-network is up (services healthy after ${seconds} s)`,
      ...rows,
      `  kafka           ${infra.kafka.bootstrap}   ${kafka.nodes.length} node(s)${kafka.security === 'sasl' ? `, SASL/SCRAM${kafka.tls ? ' + TLS' : ''} with ACLs; a principal's settings: node infra/kafka/kafka.mjs client-env ki-emitter` : ''}   (node infra/kafka/kafka.mjs status|logs)`,
      process.env.REGISTRY_API_KEYS
        ? '  registry API keys from REGISTRY_API_KEYS'
        : '  registry write API key (development only): ki-dev-registry-write-key   (header X-API-Key)',
      process.env.LEDGER_API_KEYS
        ? '  ledger API keys from LEDGER_API_KEYS'
        : '  ledger write API key (development only, rollover): ki-dev-ledger-write-key',
      process.env.NOTIFICATIONS_API_KEYS
        ? '  notifications API keys from NOTIFICATIONS_API_KEYS'
        : '  notifications API key (development only, write + operator): ki-dev-notifications-key',
      process.env.CONSOLE_API_KEYS
        ? '  console API keys from CONSOLE_API_KEYS'
        : '  console key (development only, read + replay + reveal): ki-dev-console-key   (enter it in the page)',
      '  history up to the 49th opening: npm run registry:import-history',
      `  postgresql      ${new URL(infra.postgresUrl).host}   databases ${Object.values(infra.databaseUrls)
        .map((u) => new URL(u).pathname.slice(1))
        .join(', ')}`,
      '  Press Ctrl-C to stop everything.',
      '',
    ].join('\n'),
  );
}

main().catch(async (err) => {
  if (children.size > 0 || brokerStartedHere) {
    console.error(`\n✖ ${err.message}`);
    await shutdown(1);
  } else fail(err);
});
