// The faults of `npm run chaos`, each injected for real: processes SIGKILLed or stopped, a broker
// node killed, database and broker connections of one service cut or slowed by TCP proxies, a
// failing webhook receiver. Each records when it began and when the system had recovered.
import { ConsumerGroups, Topics } from '@ki/contracts';
import { ChaosSystem, waitHealthy } from './system';

/** One injection of a fault: from its start until the system had recovered. */
export interface Injection {
  fault: string;
  startedAt: number;
  /** When the fault was lifted (process restarted, connections restored). */
  liftedAt: number;
  /** When every service was healthy again (and, for a broker, every partition in sync). */
  recoveredAt: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (message: string) => console.log(`[chaos] ${message}`);

type Fault = { name: string; inject(system: ChaosSystem): Promise<void> };

/** SIGKILL; the instance's restart policy starts it again 2 s later. */
const killService = (name: string): Fault => ({
  name: `kill-${name}`,
  async inject(system) {
    await system.instance(name).kill();
    await sleep(2000);
  },
});

/** The node leading most partitions of the centre events, SIGKILLed and started again after 10 s. */
const killLeaderBroker: Fault = {
  name: 'kill-leader-broker',
  async inject(system) {
    const admin = system.cluster.kafka().admin();
    await admin.connect();
    try {
      const [{ partitions }] = (await admin.fetchTopicMetadata({ topics: [Topics.centres] })).topics;
      const leaders = partitions.map((p) => p.leader);
      const leader = [...new Set(leaders)].sort((a, b) => leaders.filter((l) => l === b).length - leaders.filter((l) => l === a).length)[0];
      log(`killing broker node ${leader}`);
      await system.cluster.killNode(leader);
      await sleep(10_000);
      await system.cluster.startNode(leader);
    } finally {
      await admin.disconnect();
    }
  },
};

/** funding-ledger-1 loses its database for 30 s (its connections are cut by the proxy in front of PostgreSQL). */
const cutLedgerDatabase = (seconds: number): Fault => ({
  name: 'cut-ledger-database',
  async inject(system) {
    system.ledgerDatabaseProxy.cut();
    await sleep(seconds * 1000);
    system.ledgerDatabaseProxy.restore();
  },
});

/** notifications-1's traffic to the brokers is delayed 800 ms each way for 15 s, then cut for 15 s. */
const slowThenCutKafka: Fault = {
  name: 'slow-then-cut-kafka',
  async inject(system) {
    for (const proxy of system.notificationsKafkaProxies) proxy.delay(800);
    await sleep(15_000);
    for (const proxy of system.notificationsKafkaProxies) proxy.cut();
    await sleep(15_000);
    for (const proxy of system.notificationsKafkaProxies) proxy.restore();
  },
};

/** The webhook receiver answers too late for 15 s, then with 500 for 15 s. */
const failingWebhook: Fault = {
  name: 'webhook-slow-then-500',
  async inject(system) {
    system.webhook.mode = 'slow';
    await sleep(15_000);
    system.webhook.mode = 'failing';
    await sleep(15_000);
    system.webhook.mode = 'ok';
  },
};

/** notifications-2 is paused (SIGSTOP) until its consumer group has rebalanced without it, then resumed. */
const pauseConsumer: Fault = {
  name: 'pause-consumer',
  async inject(system) {
    const instance = system.instance('notifications-2');
    const admin = system.cluster.kafka().admin();
    await admin.connect();
    try {
      instance.child?.kill('SIGSTOP');
      const deadline = Date.now() + 90_000;
      for (;;) {
        const { groups } = await admin.describeGroups([ConsumerGroups.notifications]);
        if (groups[0].state === 'Stable' && groups[0].members.length === 1) break;
        if (Date.now() > deadline) throw new Error('the notifications group did not rebalance without the paused member within 90 s');
        await sleep(1000);
      }
    } finally {
      instance.child?.kill('SIGCONT');
      await admin.disconnect();
    }
  },
};

/** The faults in the order each stream injects them; the two streams run at once. */
export function faultStreams(options: { databaseCutSeconds: number }): Fault[][] {
  return [
    [
      killService('registry'),
      killService('funding-ledger-1'),
      killService('notifications-1'),
      pauseConsumer,
      killService('funding-ledger-2'),
      killService('notifications-2'),
      killService('console'),
    ],
    [killLeaderBroker, cutLedgerDatabase(options.databaseCutSeconds), failingWebhook, slowThenCutKafka],
  ];
}

/** Waits until every service is healthy and every partition of the system's topics is fully replicated. */
async function recovered(system: ChaosSystem): Promise<void> {
  await waitHealthy(system.services, 300_000);
  const admin = system.cluster.kafka().admin();
  await admin.connect();
  try {
    for (const deadline = Date.now() + 300_000; ;) {
      const metadata = await admin.fetchTopicMetadata({ topics: Object.values(Topics) });
      if (metadata.topics.every((t) => t.partitions.every((p) => p.isr.length === p.replicas.length))) return;
      if (Date.now() > deadline) throw new Error('partitions still under-replicated after 300 s');
      await sleep(1000);
    }
  } finally {
    await admin.disconnect();
  }
}

/**
 * Injects the faults of each stream one after the other, round after round, until `until()` says
 * stop; each injection is added to `injections` once the system recovered from it.
 */
export async function injectFaults(
  system: ChaosSystem,
  streams: Fault[][],
  until: () => boolean,
  gapMs: number,
  injections: Injection[],
): Promise<Injection[]> {
  await Promise.all(
    streams.map(async (stream) => {
      for (let i = 0; !until() || i % stream.length !== 0; i++) {
        const fault = stream[i % stream.length];
        const startedAt = Date.now();
        log(`inject ${fault.name}`);
        await fault.inject(system);
        const liftedAt = Date.now();
        await recovered(system);
        const recoveredAt = Date.now();
        injections.push({ fault: fault.name, startedAt, liftedAt, recoveredAt });
        log(
          `${fault.name} lifted after ${((liftedAt - startedAt) / 1000).toFixed(1)} s, recovered ${((recoveredAt - liftedAt) / 1000).toFixed(1)} s later`,
        );
        await sleep(gapMs);
      }
    }),
  );
  return injections;
}
