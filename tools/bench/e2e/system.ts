// The real system under load: registry, funding-ledger and notifications as separate OS processes
// (the chaos run's ServiceInstance) with databases of their own, on the bench's broker, and a
// webhook receiver, a process of its own too, subscribed to the announcements. Hop times are read
// from the topics (the time each event was sent) and from the receiver, never from the services'
// counters.
import { EventTypes, topicName, Topics } from '@ki/contracts';
import { createTestDatabase, deleteTopicsWithPrefix, eventually, freePort, TestDatabase, waitForGroupToCatchUp } from '@ki/testing';
import { Kafka } from 'kafkajs';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { ServiceInstance, waitHealthy } from '../../chaos/system';
import { OpeningTimes, Pipeline } from './load';
import { startReceiverProcess } from './webhook-receiver';

const REGISTRY_KEY = 'ki-dev-registry-write-key';
const NOTIFICATIONS_KEY = 'ki-dev-notifications-key';

export interface BenchSystem extends Pipeline {
  services: ServiceInstance[];
  /** Fails, with its last lines, if a service exited during the bench: its figures would be of a restart. */
  assertRunning(): void;
  close(): Promise<void>;
}

/** The shipped programmes with budgets no bench exhausts, so every opening is funded. */
function programmesFile(dir: string): string {
  const shipped = JSON.parse(fs.readFileSync('apps/funding-ledger/src/programmes/nrw-programmes.json', 'utf8'));
  for (const p of shipped.programmes) for (const t of p.terms) t.yearlyBudget = '900000000000000';
  const file = path.join(dir, 'programmes.json');
  fs.writeFileSync(file, JSON.stringify(shipped));
  return file;
}

/** Adds host bodies 8-digit keys `<territory>1xx`…`<territory>9xx` to the bench's own registry database (never to the shipped data). */
async function addHostBodies(databaseUrl: string, count: number): Promise<void> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query(
      `INSERT INTO host_bodies (key, territory_key, name)
       SELECT t.key || n, t.key, 'Lasttest-Träger ' || t.key || n
       FROM territories t, generate_series(100, 999) AS n
       ORDER BY n, t.key LIMIT $1`,
      [count],
    );
    if (rowCount !== count) throw new Error(`only ${rowCount} synthetic host bodies fit, ${count} needed`);
  } finally {
    await client.end();
  }
}

async function post(url: string, key: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': key },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${url} answered ${res.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text) as Record<string, unknown>;
}

/** Today in Europe/Berlin, the registry's calendar: every bench opening is dated today. */
const today = () => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Berlin' }).format(new Date());

/** Runs `work` over `items` with at most `limit` at a time. */
async function inParallel<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

export async function startBenchSystem(brokers: string[], run: string, hostBodies: number): Promise<BenchSystem> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ki-bench-'));
  const prefix = `bench-e2e-${run}.`;
  const databases: TestDatabase[] = [];
  const databaseNames: Record<string, string> = {};
  const db = async (label: string) => {
    const created = await createTestDatabase(`bench_${label}`);
    databases.push(created);
    databaseNames[label] = created.name;
    return created.url;
  };
  const times = new Map<string, OpeningTimes>();
  const seen = (centreId: string, hop: Exclude<keyof OpeningTimes, 'due'>, at: number) => {
    const t = times.get(centreId);
    if (t && t[hop] === undefined) t[hop] = at;
  };
  const webhook = await startReceiverProcess((centreId, at) => seen(centreId, 'webhook', at));
  const common = { NODE_ENV: 'test', LOG_LEVEL: 'warn', KAFKA_BROKERS: brokers.join(','), KAFKA_TOPIC_PREFIX: prefix };
  const registryDb = await db('registry');
  const spec: [string, string, Record<string, string>][] = [
    ['registry', 'apps/registry/src/main.ts', { ...common, DATABASE_URL: registryDb }],
    [
      'funding-ledger',
      'apps/funding-ledger/src/main.ts',
      { ...common, DATABASE_URL: await db('ledger'), LEDGER_PROGRAMMES_FILE: programmesFile(dir) },
    ],
    [
      'notifications',
      'apps/notifications/src/main.ts',
      { ...common, DATABASE_URL: await db('notifications'), NOTIFICATIONS_WEBHOOK_ALLOW_LOOPBACK: 'true' },
    ],
  ];
  const services: ServiceInstance[] = [];
  // BENCH_E2E_CPU_PROFILE_DIR: each service writes a CPU profile of its whole run there (`<name>.cpuprofile`, for Chrome DevTools).
  const profileDir = process.env.BENCH_E2E_CPU_PROFILE_DIR ? path.resolve(process.env.BENCH_E2E_CPU_PROFILE_DIR) : undefined;
  const profiling = (name: string) =>
    profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${name}.cpuprofile`] : [];
  for (const [name, script, env] of spec) services.push(new ServiceInstance(name, script, await freePort(), env, profiling(name)));
  for (const service of services) service.start();
  await waitHealthy(services, 180_000);
  const [registry, , notifications] = services;
  await addHostBodies(registryDb, hostBodies);
  await post(`${notifications.url}/subscriptions`, NOTIFICATIONS_KEY, { channel: 'webhook', url: webhook.url, eventKinds: ['opening'] });

  // The time an event was sent (its Kafka timestamp) is when the hop was done.
  const kafka = new Kafka({ clientId: 'bench-e2e', brokers, logLevel: 1 });
  const observer = kafka.consumer({ groupId: `bench-e2e-observer-${run}`, maxWaitTimeInMs: 100 });
  await observer.connect();
  await observer.subscribe({
    topics: [Topics.centres, Topics.funding, Topics.notifications].map((t) => topicName(t, prefix)),
    fromBeginning: true,
  });
  const hopOf = new Map<string, 'opened' | 'funding' | 'announcement'>([
    [EventTypes.CentreOpenedV1.type, 'opened'],
    [EventTypes.FundingAllocatedV1.type, 'funding'],
    [EventTypes.FundingAllocationRejectedV1.type, 'funding'],
    [EventTypes.AnnouncementPublishedV1.type, 'announcement'],
  ]);
  await observer.run({
    eachMessage: async ({ message }) => {
      const type = message.headers?.ce_type?.toString();
      const hop = type === undefined ? undefined : hopOf.get(type);
      if (!hop) return;
      const payload = JSON.parse(message.value?.toString() ?? '{}') as { centreId?: string };
      if (payload.centreId) seen(payload.centreId, hop, Number(message.timestamp));
    },
  });

  const assertRunning = () => {
    for (const service of services)
      if (service.restarts > 0)
        throw new Error(
          `${service.name} exited during the bench; its last lines:\n${service.output.join('').split('\n').slice(-30).join('\n')}`,
        );
  };
  return {
    name: 'ki-network',
    services,
    times,
    processes: { ...Object.fromEntries(services.map((s) => [s.name, s.child?.pid as number])), 'webhook receiver': webhook.pid },
    databases: databaseNames,
    assertRunning,
    async prepare(count) {
      assertRunning();
      const ids: string[] = [];
      const { rows } = await withClient(registryDb, (c) =>
        c.query<{ key: string }>(
          `SELECT h.key FROM host_bodies h WHERE h.name LIKE 'Lasttest-%' AND NOT EXISTS (SELECT 1 FROM centres c WHERE c.host_body_key = h.key)
           ORDER BY h.key LIMIT $1`,
          [count],
        ),
      );
      if (rows.length < count) throw new Error(`${count} host bodies needed, ${rows.length} left`);
      await inParallel(rows, 8, async ({ key }) => {
        const centre = await post(`${registry.url}/centres`, REGISTRY_KEY, {
          hostBodyKey: key,
          name: `Kommunales Integrationszentrum ${key}`,
          hostAuthority: `Verwaltung ${key}`,
          address: 'Rathausplatz 1, 40000 Stadt',
          contactEmail: 'ki@example.org',
        });
        ids.push(String(centre.id));
      });
      // The registrations flow through the consumers before the timed openings start.
      await eventually(
        async () => {
          const { rows: left } = await withClient(registryDb, (c) =>
            c.query(`SELECT 1 FROM messaging_outbox WHERE sent_at IS NULL LIMIT 1`),
          );
          if (left.length > 0) throw new Error('registry outbox not empty');
        },
        { name: 'registrations sent', timeout: 120_000, interval: 200 },
      );
      for (const group of ['funding-ledger', 'notifications'])
        await waitForGroupToCatchUp(kafka, group, topicName(Topics.centres, prefix), 120_000).catch((err: Error) => {
          // Say why: the last lines each service printed.
          for (const service of services)
            console.error(`-- ${service.name}:\n${service.output.join('').split('\n').slice(-15).join('\n')}`);
          throw err;
        });
      return ids;
    },
    async open(id) {
      await post(`${registry.url}/centres/${id}/open`, REGISTRY_KEY, { openedOn: today(), place: 'Rathaus' });
    },
    async close() {
      await observer.disconnect();
      // A profile is written when the process exits on its own, not when it is killed.
      await Promise.all(services.map((s) => (profileDir ? s.stop() : s.close())));
      await webhook.close();
      for (const d of databases) await d.drop();
      await deleteTopicsWithPrefix(kafka, prefix);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function withClient<T>(url: string, work: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
