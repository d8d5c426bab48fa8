// Part of `npm run bench`: a rebuild. One topic of BENCH_REPLAY_EVENTS (default 1,000,000)
// centre-opened events recorded later by the history import is consumed from the beginning by
// the inbox consumer (KafkaEventsServer) into a fresh notifications database with the real
// handler (RecordOpeningHandler through its controller, in batches: each opening recorded, none announced), and by a raw kafkajs
// consumer that only parses each value, on the same broker in the same run; then the database's
// part alone (the same rows made up in SQL), the floor under the inbox rebuild.
import 'reflect-metadata';
import { CentreOpenedV1, EventTypes, topicName, Topics } from '@ki/contracts';
import { BatchedEvent, encodeEvent, KafkaBatchContext, KafkaEventsServer, MessagingMetrics } from '@ki/messaging';
import { ConsumeTimer, rawConsume } from '@ki/testing';
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { Announcer } from '../announcements/announce/announcer';
import { RecordOpeningHandler } from '../announcements/record-opening/record-opening.handler';
import { RecordOpeningKafkaController } from '../announcements/record-opening/record-opening.kafka.controller';
import { NotificationsConfig } from '../config';
import { notificationsMigrations } from '../migrations';

const N = Number(process.env.BENCH_REPLAY_EVENTS ?? 1_000_000);
const brokers = (process.env.BENCH_KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const serverUrl = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const run = randomUUID().slice(0, 8);
const prefix = `bench-replay-${run}.`;
const topic = topicName(Topics.centres, prefix);
const kafka = new Kafka({ clientId: 'bench-replay', brokers, logLevel: logLevel.ERROR });
const silent = { log: () => undefined, warn: () => undefined, error: () => undefined };

function opening(i: number): CentreOpenedV1 {
  const key = `05${100 + (i % 900)}`;
  return {
    centreId: randomUUID(),
    hostBodyKey: key,
    territoryKey: key,
    hostBodyName: `Träger ${key}`,
    ordinal: i + 1,
    openedOn: '2016-02-12',
    place: 'Lüdinghausen',
    dateStatus: 'assumed',
    historical: true,
  };
}

/** Writes the N events with a few batches in flight (setting up is not measured). */
async function produce(): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  const started = performance.now();
  for (let i = 0; i < N; i += 20_000) {
    const batches = [];
    for (let j = i; j < Math.min(N, i + 20_000); j += 1000) {
      const messages = [];
      for (let k = j; k < Math.min(N, j + 1000); k++)
        messages.push(encodeEvent(EventTypes.CentreOpenedV1, opening(k), '/ki/registry').message);
      batches.push(producer.send({ topic, acks: -1, messages }));
    }
    await Promise.all(batches);
  }
  console.log(`${N} centre-opened events written in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  await producer.disconnect();
}

/** Raw consumption from the first fetch to the N-th message, parsing each value. */
function rawConsumeAll(): Promise<number> {
  return rawConsume(kafka, topic, N, { groupId: `bench-replay-raw-${run}`, maxBytesPerPartition: 8 * 1024 * 1024 }, 3);
}

/** The inbox consumer with the real handler, from its first fetch until the N-th event's transaction committed. */
async function inboxConsume(dataSource: DataSource): Promise<number> {
  const timer = new ConsumeTimer(N);
  const server = new KafkaEventsServer({
    kafka: timer.kafka(kafka),
    dataSource,
    metrics: timer.countConsumed(new MessagingMetrics(new Registry())),
    groupId: `bench-replay-inbox-${run}`,
    topicPrefix: prefix,
  });
  // A historical opening is only recorded, so the announcer is never called.
  const handler = new RecordOpeningHandler({} as Announcer, { fundingWaitMs: 300_000 } as NotificationsConfig);
  const controller = new RecordOpeningKafkaController(handler);
  server.addHandler(
    EventTypes.CentreOpenedV1.type,
    (events: BatchedEvent<CentreOpenedV1>[], ctx: KafkaBatchContext) => controller.centresOpened(events, ctx),
    true,
    { batch: true },
  );
  Object.assign(server, { logger: silent });
  await new Promise<void>((resolve, reject) => server.listen((err) => (err ? reject(err) : resolve())));
  const ms = await timer.finished;
  await server.close();
  return ms;
}

/**
 * The database's part alone: the same inbox and opening rows, made up in SQL (ids in time order,
 * as UUIDv7 are) and inserted into the emptied tables in chunks of 2,000, one transaction each,
 * one session, nothing to decode. The inbox rebuild cannot be faster than its database.
 */
async function databaseFloor(dataSource: DataSource): Promise<number> {
  await dataSource.query('TRUNCATE messaging_inbox, openings CASCADE');
  const chunk = 2000;
  const rows = `FROM generate_series($1::int, $2::int) AS g,
      LATERAL (SELECT '01930000-0000-7000-8000-' || lpad(to_hex(g), 12, '0') AS id, md5(g::text)::uuid AS uuid,
                      '05' || (100 + g % 900) AS key) AS x`;
  const started = performance.now();
  for (let from = 0; from < N; from += chunk) {
    const range = [from, Math.min(N, from + chunk) - 1];
    await dataSource.transaction(async (manager) => {
      await manager.query(
        `INSERT INTO messaging_inbox (consumer_group, topic, partition, event_id, event_type, "offset", correlation_id)
         SELECT 'notifications', '${topic}', g % 3, id, '${EventTypes.CentreOpenedV1.type}', g, uuid::text ${rows}`,
        range,
      );
      await manager.query(
        `INSERT INTO openings (opened_event_id, centre_id, host_body_key, territory_key, host_body_name, ordinal, opened_on, place,
                               correlation_id, state, funding_due_at, seat, previous_ordinal, previous_closed_on, historical)
         SELECT id, uuid, key, key, 'Träger ' || key, g + 1, '2016-02-12', 'Lüdinghausen', uuid::text, 'recorded', NULL, NULL, NULL, NULL, true ${rows}
         ON CONFLICT (opened_event_id) DO NOTHING
         RETURNING opened_event_id AS id`,
        range,
      );
    });
  }
  return performance.now() - started;
}

async function main(): Promise<void> {
  const database = `ki_bench_replay_${run}`;
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  const dataSource = new DataSource({ type: 'postgres', url: url.toString(), migrations: notificationsMigrations, logging: false });
  try {
    await dataSource.initialize();
    await dataSource.runMigrations();
    await produce();
    const raw = await rawConsumeAll();
    console.log(`raw-consume      ${N} events in ${(raw / 1000).toFixed(1)} s = ${Math.round(N / (raw / 1000))} events/s`);
    const inbox = await inboxConsume(dataSource);
    console.log(`inbox-rebuild    ${N} events in ${(inbox / 1000).toFixed(1)} s = ${Math.round(N / (inbox / 1000))} events/s`);
    const [{ recorded }] = await dataSource.query(`SELECT count(*)::int AS recorded FROM openings WHERE state = 'recorded'`);
    if (recorded !== N) throw new Error(`expected ${N} recorded openings, found ${recorded}`);
    const floor = await databaseFloor(dataSource);
    console.log(`database-floor   ${N} inbox and opening rows in ${(floor / 1000).toFixed(1)} s (the two inserts alone, made up in SQL)`);
    console.log(`replay-seconds ${(inbox / 1000).toFixed(1)}   (target < 300 for 1,000,000)`);
    console.log(`ratio replay-vs-raw-consume ${(raw / inbox).toFixed(2)}   (target >= 0.5)`);
  } finally {
    await dataSource.destroy();
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
    const kafkaAdmin = kafka.admin();
    await kafkaAdmin.connect();
    await kafkaAdmin.deleteTopics({ topics: [topic] });
    await kafkaAdmin.disconnect();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
