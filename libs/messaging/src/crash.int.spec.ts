import { EventTypes, Topics } from '@ki/contracts';
import {
  coesfeldOpened,
  freePort,
  processExited,
  runScript,
  startScriptProcess,
  createTestDatabase,
  eventually,
  TestDatabase,
  testInfrastructure,
  testKafka,
  uniqueTopicPrefix,
  waitForGroupToCatchUp,
  isolatedKafkaEnv,
} from '@ki/testing';
import { ChildProcess } from 'node:child_process';
import { Kafka } from 'kafkajs';
import { Client } from 'pg';
import { encodeEvent } from './envelope-codec';
import { ensureTopics } from './topics';

const EVENTS = 3000;

/** The probe service as a process of its own, the way a deployment runs it. */
const startProbeProcess = (env: Record<string, string>) => startScriptProcess('libs/messaging/src/test-support/probe-main.ts', env);

describe('a consumer process that dies or is stopped mid-stream', () => {
  let database: TestDatabase;
  let db: Client;
  let kafka: Kafka;
  let env: Record<string, string>;
  let topic: string;
  let groupId: string;
  let child: ChildProcess | undefined;

  const counts = async () => {
    const { rows } = await db.query(`SELECT count(*)::int AS total, count(DISTINCT event_id)::int AS distinct FROM probe_effects`);
    return rows[0] as { total: number; distinct: number };
  };

  beforeAll(async () => {
    database = await createTestDatabase('crash');
    db = new Client({ connectionString: database.url });
    await db.connect();
    kafka = testKafka();
    const prefix = uniqueTopicPrefix();
    topic = `${prefix}${Topics.centres}`;
    groupId = `${prefix}probe`;
    // The test publishes while the process is still starting: the topics must exist already.
    await ensureTopics(kafka, prefix);
    env = {
      DATABASE_URL: database.url,
      KAFKA_BROKERS: testInfrastructure().kafkaBrokers.join(','),
      ...isolatedKafkaEnv(prefix),
      PORT: String(await freePort()),
    };
  });

  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await db.end();
    await database.drop();
  });

  async function publish(count: number, from: number) {
    const producer = kafka.producer();
    await producer.connect();
    const messages = Array.from(
      { length: count },
      (_, i) =>
        encodeEvent(
          EventTypes.CentreOpenedV1,
          coesfeldOpened({ hostBodyKey: `05${(100 + (i % 50)).toString()}`, ordinal: from + i }),
          '/ki/test',
        ).message,
    );
    for (let i = 0; i < messages.length; i += 500) await producer.send({ topic, messages: messages.slice(i, i + 500) });
    await producer.disconnect();
  }

  async function waitUntilProcessing(atLeast: number) {
    await eventually(
      async () => {
        if (child?.exitCode !== null) throw new Error('probe process exited');
        const { total } = await counts().catch(() => ({ total: 0 }));
        if (total < atLeast) throw new Error(`${total} effects so far`);
      },
      { name: `at least ${atLeast} effects`, timeout: 90_000, interval: 20 },
    );
  }

  it('killed with SIGKILL and restarted, gives every event exactly one effect', async () => {
    child = startProbeProcess(env);
    await publish(EVENTS, 1);
    await waitUntilProcessing(300);

    child.kill('SIGKILL');
    await processExited(child);
    const atKill = await counts();
    child = startProbeProcess(env);
    await waitForGroupToCatchUp(kafka, groupId, topic, 120_000);

    expect(atKill.total).toBeLessThan(EVENTS);
    expect(await counts()).toEqual({ total: EVENTS, distinct: EVENTS });
  });

  it('stopped with SIGTERM, finishes its work, exits 0 and loses nothing', async () => {
    await publish(EVENTS, EVENTS + 1);
    await waitUntilProcessing(EVENTS + 300);

    child?.kill('SIGTERM');
    const code = await processExited(child as ChildProcess);
    child = startProbeProcess(env);
    await waitForGroupToCatchUp(kafka, groupId, topic, 120_000);

    expect(code).toBe(0);
    expect(await counts()).toEqual({ total: 2 * EVENTS, distinct: 2 * EVENTS });
  });

  it('stopped by SIGINT and at once SIGTERM (Ctrl-C under a supervisor), drains as for one signal and exits 0', async () => {
    if (child) {
      child.kill('SIGTERM');
      await processExited(child);
    }
    const before = (await counts().catch(() => ({ total: 0 }))).total; // no table before the first start
    const run = runScript('probe', 'libs/messaging/src/test-support/probe-main.ts', env);
    child = run.child;
    await publish(EVENTS, 2 * EVENTS + 1);
    await waitUntilProcessing(before + 300);

    child.kill('SIGINT');
    child.kill('SIGTERM');
    const code = await processExited(child);
    child = startProbeProcess(env);
    await waitForGroupToCatchUp(kafka, groupId, topic, 120_000);

    expect(code).toBe(0);
    expect(run.output.join('')).not.toContain('exiting without waiting');
    expect(await counts()).toEqual({ total: before + EVENTS, distinct: before + EVENTS });
    child.kill('SIGTERM');
    await processExited(child);
  });

  it('paused past its session timeout while another member took over, rejoins when resumed and is healthy again', async () => {
    const other = { ...env, PORT: String(await freePort()) };
    const paused = runScript('probe (paused)', 'libs/messaging/src/test-support/probe-main.ts', env);
    const second = runScript('probe (second)', 'libs/messaging/src/test-support/probe-main.ts', other);
    const health = (port: string) =>
      fetch(`http://127.0.0.1:${port}/health`).then(
        (r) => r.status,
        () => 0,
      );
    try {
      await eventually(
        async () => {
          if ((await health(env.PORT)) !== 200 || (await health(other.PORT)) !== 200) throw new Error('not both healthy yet');
        },
        { name: 'both probes healthy', timeout: 90_000, interval: 250 },
      );
      const before = (await counts()).total;
      paused.child.kill('SIGSTOP');
      // The group forgets the paused member after its 10 s session; the second member takes every partition.
      await publish(300, 3 * EVENTS + 1);
      await waitUntilProcessingBy(before + 300);
      await new Promise((r) => setTimeout(r, 12_000));
      paused.child.kill('SIGCONT');
      await publish(300, 3 * EVENTS + 301);
      await eventually(
        async () => {
          if ((await health(env.PORT)) !== 200) throw new Error(`the resumed probe is not healthy:\n${paused.output.slice(-5).join('')}`);
        },
        { name: 'the resumed probe healthy again', timeout: 90_000, interval: 500 },
      );
      await waitForGroupToCatchUp(kafka, groupId, topic, 120_000);
      expect(await counts()).toEqual({ total: before + 600, distinct: before + 600 });
    } finally {
      for (const run of [paused, second]) {
        run.child.kill('SIGCONT');
        run.child.kill('SIGKILL');
        await processExited(run.child);
      }
    }
  });

  async function waitUntilProcessingBy(atLeast: number) {
    await eventually(
      async () => {
        const { total } = await counts();
        if (total < atLeast) throw new Error(`${total} effects so far`);
      },
      { name: `at least ${atLeast} effects`, timeout: 90_000, interval: 100 },
    );
  }
});
