import { EventTypes, Topics } from '@ki/contracts';
import {
  coesfeldOpened,
  committedTotal,
  DisposableBroker,
  eventually,
  fetchHealth,
  startDisposableBroker,
  startTcpProxy,
  startTestService,
  TcpProxy,
  TestService,
  waitForGroupToCatchUp,
} from '@ki/testing';
import { Kafka, logLevel } from 'kafkajs';
import { DataSource } from 'typeorm';
import { encodeEvent } from './envelope-codec';
import { probeService } from './test-support/probe.service';

const OUTAGE_MS = Number(process.env.KI_BROKER_OUTAGE_MS ?? 30_000);
const KEYS = ['05554', '05566', '05166'];

describe('a broker outage while events are produced', () => {
  let broker: DisposableBroker;
  let probe: TestService;

  beforeAll(async () => {
    broker = await startDisposableBroker();
    probe = await startTestService(probeService(), { env: { KAFKA_BROKERS: broker.bootstrap } });
  });

  afterAll(async () => {
    await probe.close();
    await broker.destroy();
  });

  it(`loses nothing, duplicates no effect and keeps the order per key across ${OUTAGE_MS / 1000} s without a broker`, async () => {
    let ordinal = 0;
    const produce = async () => {
      ordinal++;
      const res = await fetch(`${probe.url}/probe/open`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(coesfeldOpened({ hostBodyKey: KEYS[ordinal % KEYS.length], ordinal })),
      });
      expect(res.status).toBe(202); // the producer keeps accepting work
    };
    for (let i = 0; i < 30; i++) await produce();

    await broker.stop();
    const until = Date.now() + OUTAGE_MS;
    while (Date.now() < until) {
      await produce();
      await new Promise((r) => setTimeout(r, 250));
    }
    const unhealthy = await fetchHealth(probe.url);
    await broker.start();
    for (let i = 0; i < 30; i++) await produce();

    expect(unhealthy.status).toBe(503);
    const db = probe.app.get(DataSource);
    const rows: { host_body_key: string; ordinal: number; event_id: string }[] = await eventually(
      async () => {
        const rows = await db.query(`SELECT host_body_key, ordinal, event_id FROM probe_effects ORDER BY id`);
        if (rows.length < ordinal) throw new Error(`${rows.length} of ${ordinal} effects`);
        return rows;
      },
      { name: 'every event handled after the outage', timeout: 120_000, interval: 500 },
    );
    expect(rows).toHaveLength(ordinal);
    expect(new Set(rows.map((r) => r.event_id)).size).toBe(ordinal);
    for (const key of KEYS) {
      const ordinals = rows.filter((r) => r.host_body_key === key).map((r) => r.ordinal);
      expect(ordinals).toEqual([...ordinals].sort((a, b) => a - b));
    }
  });
});

describe('a database outage under a consumer', () => {
  let proxy: TcpProxy;
  let probe: TestService;
  let kafka: Kafka;

  beforeAll(async () => {
    const { hostname, port } = new URL(process.env.KI_TEST_POSTGRES_URL ?? '');
    proxy = await startTcpProxy(hostname, Number(port || 5432));
    probe = await startTestService(probeService(), {
      databaseUrlVia: (url) => {
        const proxied = new URL(url);
        proxied.hostname = '127.0.0.1';
        proxied.port = String(proxy.port);
        return proxied.toString();
      },
    });
    kafka = new Kafka({ brokers: probe.config.kafka.brokers, logLevel: logLevel.ERROR });
  });

  afterAll(async () => {
    proxy.restore();
    await probe.close();
    await proxy.close();
  });

  it('stops committing offsets, reports unhealthy, and resumes without loss when the database returns', async () => {
    const topic = `${probe.config.kafka.topicPrefix}${Topics.centres}`;
    const producer = kafka.producer();
    await producer.connect();
    const events = Array.from({ length: 40 }, (_, i) =>
      encodeEvent(EventTypes.CentreOpenedV1, coesfeldOpened({ hostBodyKey: KEYS[i % 3], ordinal: i + 1 }), '/ki/test'),
    );
    await producer.send({ topic, messages: events.slice(0, 10).map((e) => e.message) });
    await waitForGroupToCatchUp(kafka, probe.groupId('probe'), topic);

    proxy.cut();
    const committedBefore = await committedTotal(kafka, probe.groupId('probe'), topic);
    await producer.send({ topic, messages: events.slice(10).map((e) => e.message) });
    const down = await eventually(
      async () => {
        const h = await fetchHealth(probe.url);
        if (h.status !== 503 || !h.body.error?.messaging?.message?.includes('probe: dependency unavailable'))
          throw new Error(`health ${h.status}`);
        return h;
      },
      { name: 'unhealthy while the database is gone', timeout: 30_000 },
    );
    const committedDuring = await committedTotal(kafka, probe.groupId('probe'), topic);
    proxy.restore();
    await waitForGroupToCatchUp(kafka, probe.groupId('probe'), topic, 90_000);
    await producer.disconnect();

    expect(down.body.error?.database).toBeDefined();
    expect(committedDuring).toBe(committedBefore);
    const [{ total, distinct }] = await probe.app
      .get(DataSource)
      .query(`SELECT count(*)::int AS total, count(DISTINCT event_id)::int AS distinct FROM probe_effects`);
    expect({ total, distinct }).toEqual({ total: 40, distinct: 40 });
    await eventually(async () => expect((await fetchHealth(probe.url)).status).toBe(200), { name: 'healthy again', timeout: 30_000 });
  });
});
