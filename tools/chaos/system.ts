// The system under test of `npm run chaos`: a three-node secured cluster, databases of its own,
// every service as a separate OS process (restartable on the same port), a webhook receiver that
// counts by webhook-id and an SMTP server. Everything listens on loopback only.
import { Principals } from '@ki/contracts';
import {
  createTestDatabase,
  DisposableCluster,
  freePort,
  startDisposableCluster,
  startScriptProcess,
  startTcpProxy,
  TcpProxy,
  TestDatabase,
} from '@ki/testing';
import { ChildProcess } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/**
 * One service instance as an OS process that can be killed and paused. Like a container with a
 * restart policy, it is started again 2 s after it exits, whatever the cause (a SIGKILL, or a
 * start that gave up on an unreachable database), until the run closes.
 */
export class ServiceInstance {
  child?: ChildProcess;
  readonly output: string[] = [];
  restarts = 0;
  private closing = false;

  constructor(
    readonly name: string,
    readonly script: string,
    readonly port: number,
    readonly env: Record<string, string>,
    /** Arguments for Node.js itself, e.g. `--cpu-prof`. */
    readonly nodeArgs: string[] = [],
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  start(): void {
    const child = startScriptProcess(this.script, { ...this.env, PORT: String(this.port) }, { capture: true, nodeArgs: this.nodeArgs });
    const keep = (d: Buffer) => {
      this.output.push(d.toString());
      if (this.output.length > 400) this.output.splice(0, 200);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.once('exit', () => {
      if (this.closing) return;
      this.restarts++;
      setTimeout(() => this.closing || this.start(), 2000);
    });
    this.child = child;
  }

  async healthy(): Promise<boolean> {
    try {
      return (await fetch(`${this.url}/health`, { signal: AbortSignal.timeout(3000) })).status === 200;
    } catch {
      return false;
    }
  }

  /** SIGKILL, as a crash: nothing is drained or committed. */
  async kill(): Promise<void> {
    await this.signal('SIGKILL');
  }

  /** Stops for good: SIGKILL and no restart. */
  async close(): Promise<void> {
    this.closing = true;
    await this.kill();
  }

  /** Stops for good the way a supervisor does: SIGTERM, so the service drains and exits (and writes a CPU profile); SIGKILL after 30 s. */
  async stop(): Promise<void> {
    this.closing = true;
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), 30_000);
    await this.signal('SIGTERM');
    clearTimeout(timer);
  }

  /** Sends the signal and waits for the process to exit; nothing to do when it has exited. */
  private async signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
  }
}

/** A webhook receiver that answers each request by the current mode and counts by webhook-id. */
export interface WebhookReceiver {
  url: string;
  mode: 'ok' | 'slow' | 'failing';
  /** Every request: its webhook-id, status (0: the sender hung up before the answer), answer time and body. */
  requests: { webhookId: string; status: number; at: number; body: string }[];
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const receiver: WebhookReceiver = { url: '', mode: 'ok', requests: [], close: async () => undefined };
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const mode = receiver.mode;
      const answer = () => {
        // A sender that gave up waiting never learns the answer: not a success, whatever was processed.
        const status = req.socket.destroyed ? 0 : mode === 'failing' ? 500 : 200;
        receiver.requests.push({ webhookId: String(req.headers['webhook-id']), status, at: Date.now(), body });
        if (status !== 0) res.writeHead(status).end(status === 200 ? 'ok' : 'receiver failure');
      };
      // Slow: longer than the dispatcher's timeout, so the attempt fails and is retried with the same webhook-id.
      if (mode === 'slow') setTimeout(answer, 6000);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/ki`;
  receiver.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return receiver;
}

/** An SMTP server that keeps the Message-ID of every mail it accepts (a re-sent mail keeps its id). */
export interface SmtpReceiver {
  url: string;
  messageIds: string[];
  close(): Promise<void>;
}

async function startSmtpServer(): Promise<SmtpReceiver> {
  const state: SmtpReceiver = { url: '', messageIds: [], close: async () => undefined };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, callback) {
      let text = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => (text += chunk));
      stream.on('end', () => {
        const head = text.split(/\r?\n\r?\n/)[0];
        state.messageIds.push(/^message-id:\s*(\S+)/im.exec(head)?.[1] ?? 'none');
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
  state.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return state;
}

export interface ChaosSystem {
  cluster: DisposableCluster;
  databases: Record<'registry' | 'ledger' | 'notifications' | 'console', TestDatabase>;
  services: ServiceInstance[];
  /** Cuts the database connections of funding-ledger-1 only. */
  ledgerDatabaseProxy: TcpProxy;
  /** Sit between notifications-1 and each broker: slow or cut its Kafka traffic only. */
  notificationsKafkaProxies: TcpProxy[];
  webhook: WebhookReceiver;
  smtp: SmtpReceiver;
  instance(name: string): ServiceInstance;
  close(): Promise<void>;
}

const log = (message: string) => console.log(`[chaos] ${message}`);

/** Starts everything; resolves once every service answers /health with 200. */
export async function startSystem(): Promise<ChaosSystem> {
  log('starting a three-node Kafka cluster with SASL/SCRAM and ACLs');
  const cluster = await startDisposableCluster({ nodes: 3, security: 'sasl' });
  const databases = {
    registry: await createTestDatabase('chaos_registry'),
    ledger: await createTestDatabase('chaos_ledger'),
    notifications: await createTestDatabase('chaos_notifications'),
    console: await createTestDatabase('chaos_console'),
  };
  const ledgerUrl = new URL(databases.ledger.url);
  const ledgerDatabaseProxy = await startTcpProxy(ledgerUrl.hostname, Number(ledgerUrl.port || 5432));
  const proxiedLedgerUrl = new URL(databases.ledger.url);
  proxiedLedgerUrl.port = String(ledgerDatabaseProxy.port);
  const notificationsKafkaProxies = await Promise.all(
    cluster.nodes.map((n) => startTcpProxy('127.0.0.1', Number(n.bootstrap.split(':')[1]))),
  );
  const connectVia = cluster.nodes.map((n, i) => `${n.bootstrap}=127.0.0.1:${notificationsKafkaProxies[i].port}`).join(',');
  const webhook = await startWebhookReceiver();
  const smtp = await startSmtpServer();

  const common = { NODE_ENV: 'test', LOG_LEVEL: 'warn' };
  const notificationsEnv = {
    ...common,
    ...cluster.clientEnv(Principals.notifications),
    DATABASE_URL: databases.notifications.url,
    NOTIFICATIONS_FUNDING_WAIT_MS: '60000',
    NOTIFICATIONS_POLL_INTERVAL_MS: '100',
    NOTIFICATIONS_RETRY_INITIAL_MS: '500',
    NOTIFICATIONS_RETRY_MAX_MS: '4000',
    NOTIFICATIONS_MAX_ATTEMPTS: '1000',
    NOTIFICATIONS_DISABLE_AFTER_FAILURES: '100000',
    NOTIFICATIONS_DELIVERY_TIMEOUT_MS: '3000',
    NOTIFICATIONS_WEBHOOK_ALLOW_LOOPBACK: 'true',
    NOTIFICATIONS_SMTP_URL: smtp.url,
    NOTIFICATIONS_SMTP_REQUIRE_TLS: 'false',
  };
  const ledgerEnv = { ...common, ...cluster.clientEnv(Principals.fundingLedger), DATABASE_URL: databases.ledger.url };
  const spec: [string, string, Record<string, string>][] = [
    [
      'registry',
      'apps/registry/src/main.ts',
      { ...common, ...cluster.clientEnv(Principals.registry), DATABASE_URL: databases.registry.url },
    ],
    ['funding-ledger-1', 'apps/funding-ledger/src/main.ts', { ...ledgerEnv, DATABASE_URL: proxiedLedgerUrl.toString() }],
    ['funding-ledger-2', 'apps/funding-ledger/src/main.ts', ledgerEnv],
    ['notifications-1', 'apps/notifications/src/main.ts', { ...notificationsEnv, KAFKA_CONNECT_VIA: connectVia }],
    ['notifications-2', 'apps/notifications/src/main.ts', notificationsEnv],
    [
      'console',
      'apps/console/src/main.ts',
      {
        ...common,
        ...cluster.clientEnv(Principals.console),
        DATABASE_URL: databases.console.url,
        CONSOLE_REGISTRY_DATABASE_URL: databases.registry.url,
        CONSOLE_LEDGER_DATABASE_URL: databases.ledger.url,
        CONSOLE_NOTIFICATIONS_DATABASE_URL: databases.notifications.url,
      },
    ],
  ];
  const services: ServiceInstance[] = [];
  for (const [name, script, env] of spec) services.push(new ServiceInstance(name, script, await freePort(), env));
  // The first instance of each service migrates its database before the second starts.
  for (const service of services) {
    service.start();
    if (service.name.endsWith('-1') || service.name === 'registry') await waitHealthy([service], 180_000);
  }
  await waitHealthy(services, 180_000);
  log(`services healthy: ${services.map((s) => `${s.name} ${s.url}`).join(', ')}`);
  const system: ChaosSystem = {
    cluster,
    databases,
    services,
    ledgerDatabaseProxy,
    notificationsKafkaProxies,
    webhook,
    smtp,
    instance: (name) => {
      const found = services.find((s) => s.name === name);
      if (!found) throw new Error(`no service instance ${name}`);
      return found;
    },
    close: async () => {
      await Promise.all(services.map((s) => s.close()));
      await Promise.all([ledgerDatabaseProxy.close(), ...notificationsKafkaProxies.map((p) => p.close()), webhook.close(), smtp.close()]);
      await cluster.destroy();
      for (const db of Object.values(databases)) await db.drop();
    },
  };
  return system;
}

/** Resolves when every service answers 200, or throws naming the ones that do not, with their last output. */
export async function waitHealthy(services: ServiceInstance[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answers = await Promise.all(services.map((s) => s.healthy()));
    if (answers.every(Boolean)) return;
    if (Date.now() > deadline) {
      const failing = services.filter((_, i) => !answers[i]);
      throw new Error(
        `not healthy within ${timeoutMs / 1000} s: ${failing.map((s) => `${s.name}\n${s.output.slice(-20).join('')}`).join('\n')}`,
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}
