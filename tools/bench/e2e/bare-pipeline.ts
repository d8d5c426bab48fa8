// The baseline: the same three hops with plain kafkajs producers and consumers and one PostgreSQL
// insert per hop, no framework, no outbox, no inbox. An opening inserts a row and sends an event;
// a "ledger" consumer inserts a decision and sends a funding event; a "notifications" consumer
// inserts an announcement, sends its event and posts it to the webhook receiver (the same receiver
// process as the real system's).
import { eventually, waitForGroupMembers } from '@ki/testing';
import { Kafka, logLevel, Producer } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { OpeningTimes, Pipeline } from './load';
import { startReceiverProcess } from './webhook-receiver';

export interface BarePipeline extends Pipeline {
  close(): Promise<void>;
}

export async function startBarePipeline(brokers: string[], databaseUrl: string, run: string): Promise<BarePipeline> {
  const kafka = new Kafka({ clientId: 'bench-bare', brokers, logLevel: logLevel.ERROR });
  const topic = (name: string) => `bench-bare-${run}.${name}`;
  const admin = kafka.admin();
  await admin.connect();
  // A busy broker may not yet know a partition's leader when asked: the topics are created again until it does.
  await eventually(
    () =>
      admin.createTopics({
        topics: ['opened', 'funding', 'announced'].map((name) => ({ topic: topic(name), numPartitions: 3 })),
        waitForLeaders: true,
      }),
    { name: 'bare pipeline topics', timeout: 60_000, interval: 1000 },
  );
  const pool = new Pool({ connectionString: databaseUrl, max: 10 });
  await pool.query(`
    CREATE TABLE bare_openings (id uuid PRIMARY KEY, opened_at timestamptz NOT NULL DEFAULT now());
    CREATE TABLE bare_decisions (opening_id uuid PRIMARY KEY, amount bigint NOT NULL);
    CREATE TABLE bare_announcements (opening_id uuid PRIMARY KEY, text text NOT NULL)`);
  const times = new Map<string, OpeningTimes>();
  const webhook = await startReceiverProcess((id, at) => {
    const t = times.get(id);
    if (t) t.webhook ??= at;
  });
  // One plain producer per hop (kafkajs defaults, acks=all), as three separate services would have.
  const producers: Record<string, Producer> = { opened: kafka.producer(), funding: kafka.producer(), announced: kafka.producer() };
  await Promise.all(Object.values(producers).map((p) => p.connect()));
  const send = (name: string, id: string) =>
    producers[name].send({ topic: topic(name), acks: -1, messages: [{ key: id, value: JSON.stringify({ id }) }] });
  const idOf = (value: Buffer | null) => (JSON.parse(value?.toString() ?? '{}') as { id: string }).id;

  const consumers = [
    kafka.consumer({ groupId: `bench-bare-ledger-${run}` }),
    kafka.consumer({ groupId: `bench-bare-notifications-${run}` }),
  ];
  const [ledger, notifications] = consumers;
  await Promise.all(consumers.map((c) => c.connect()));
  await ledger.subscribe({ topic: topic('opened'), fromBeginning: true });
  await notifications.subscribe({ topic: topic('funding'), fromBeginning: true });
  await ledger.run({
    partitionsConsumedConcurrently: 3,
    eachMessage: async ({ message }) => {
      const id = idOf(message.value);
      await pool.query(`INSERT INTO bare_decisions VALUES ($1, 15583333)`, [id]);
      const t = times.get(id);
      if (t) t.funding = Date.now();
      await send('funding', id);
    },
  });
  await notifications.run({
    partitionsConsumedConcurrently: 3,
    eachMessage: async ({ message }) => {
      const id = idOf(message.value);
      await pool.query(`INSERT INTO bare_announcements VALUES ($1, 'Eröffnung')`, [id]);
      const t = times.get(id);
      if (t) t.announcement = Date.now();
      await send('announced', id);
      await fetch(webhook.url, { method: 'POST', headers: { 'webhook-id': id }, body: JSON.stringify({ id }) });
    },
  });
  // Both consumers own their partitions before the first opening.
  await waitForGroupMembers(kafka, `bench-bare-ledger-${run}`, topic('opened'), 1);
  await waitForGroupMembers(kafka, `bench-bare-notifications-${run}`, topic('funding'), 1);

  return {
    name: 'bare pipeline',
    times,
    processes: { 'webhook receiver': webhook.pid },
    databases: { bare: new URL(databaseUrl).pathname.slice(1) },
    prepare: async (count) => Array.from({ length: count }, () => randomUUID()),
    async open(id) {
      await pool.query(`INSERT INTO bare_openings (id) VALUES ($1)`, [id]);
      const t = times.get(id);
      if (t) t.opened = Date.now();
      await send('opened', id);
    },
    async close() {
      await Promise.all(consumers.map((c) => c.disconnect()));
      await Promise.all(Object.values(producers).map((p) => p.disconnect()));
      await webhook.close();
      await pool.end();
      await admin.deleteTopics({ topics: ['opened', 'funding', 'announced'].map(topic) });
      await admin.disconnect();
    },
  };
}
