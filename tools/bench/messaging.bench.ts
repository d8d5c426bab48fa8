// Messaging benchmark: the inbox consumer against raw kafkajs consumption, and the outbox relay
// against raw kafkajs production, on the same broker in the same run; first, the cost of one
// latency-histogram observation, prom-client's against ours. Run through `npm run bench`.
import 'reflect-metadata';
import { EventTypes, topicName, Topics } from '@ki/contracts';
import { encodeEvent, KafkaEventsServer, MessageHistogram, messagingMigrations, MessagingMetrics, OutboxRelay } from '@ki/messaging';
import { kafkaJsSecurity, readKafkaSecurity } from '@ki/platform';
import { ConsumeTimer, deleteTopicsWithPrefix, rawConsume } from '@ki/testing';
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, Message } from 'kafkajs';
import { Client } from 'pg';
import { Histogram, Registry } from 'prom-client';
import { DataSource } from 'typeorm';

const N = Number(process.env.BENCH_MESSAGES ?? 50_000);
/** Each side is measured this many times, alternating with its baseline, and the median rate compared. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const BATCH = 500;
const brokers = (process.env.BENCH_KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const serverUrl = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const run = randomUUID().slice(0, 8);
const prefix = `bench-${run}.`;
const kafka = new Kafka({ clientId: 'bench', brokers, logLevel: logLevel.ERROR, ...kafkaJsSecurity(readKafkaSecurity(process.env)) });
const silent = { log: () => undefined, warn: () => undefined, error: () => undefined };

function messages(): Message[] {
  return Array.from({ length: N }, (_, i) => {
    const payload = {
      centreId: randomUUID(),
      hostBodyKey: `05${100 + (i % 50)}`,
      territoryKey: `05${100 + (i % 50)}`,
      hostBodyName: 'Kreis Coesfeld',
      ordinal: i + 1,
      openedOn: '2016-02-12',
      place: 'Lüdinghausen',
    };
    return encodeEvent(EventTypes.CentreOpenedV1, payload, '/ki/bench').message;
  });
}

function report(name: string, ms: number): number {
  const rate = (N / ms) * 1000;
  console.log(`${name.padEnd(16)} ${N} messages in ${(ms / 1000).toFixed(2)} s = ${Math.round(rate)} msg/s`);
  return rate;
}

function median(rates: number[]): number {
  const sorted = [...rates].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function createTopic(name: string) {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: name, numPartitions: 3 }], waitForLeaders: true });
  await admin.disconnect();
}

async function rawProduce(topic: string, batch: Message[]): Promise<number> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const start = performance.now();
  for (let i = 0; i < batch.length; i += BATCH) await producer.send({ topic, acks: -1, messages: batch.slice(i, i + BATCH) });
  const ms = performance.now() - start;
  await producer.disconnect();
  return ms;
}

/** The inbox consumer is done with a message when its transaction committed (the server counts it then). */
async function inboxConsume(dataSource: DataSource, topicPrefix: string, round: number): Promise<number> {
  const timer = new ConsumeTimer(N);
  const server = new KafkaEventsServer({
    kafka: timer.kafka(kafka),
    dataSource,
    metrics: timer.countConsumed(new MessagingMetrics(new Registry())),
    groupId: `bench-inbox-${run}-${round}`,
    topicPrefix,
  });
  server.addHandler(EventTypes.CentreOpenedV1.type, async () => undefined, true);
  Object.assign(server, { logger: silent });
  await new Promise<void>((resolve, reject) => server.listen((err) => (err ? reject(err) : resolve())));
  const ms = await timer.finished;
  await server.close();
  return ms;
}

async function outboxRelay(dataSource: DataSource, topicPrefix: string, batch: Message[], round: number): Promise<number> {
  const values = batch.map((m, i) => [
    `bench-${run}-${round}-${i}`,
    EventTypes.CentreOpenedV1.type,
    Topics.centres,
    m.key,
    JSON.stringify(m.headers),
    m.value,
  ]);
  for (let i = 0; i < values.length; i += 1000) {
    const chunk = values.slice(i, i + 1000);
    await dataSource.query(
      `INSERT INTO messaging_outbox (event_id, event_type, topic, message_key, headers, payload)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::jsonb[], $6::text[])`,
      [0, 1, 2, 3, 4, 5].map((k) => chunk.map((row) => row[k])),
    );
  }
  const relay = new OutboxRelay({ kafka, dataSource, metrics: new MessagingMetrics(new Registry()), topicPrefix, idleMs: 5, log: silent });
  const start = performance.now();
  relay.start();
  for (;;) {
    const [{ unsent }] = await dataSource.query(`SELECT count(*)::int AS unsent FROM messaging_outbox WHERE sent_at IS NULL`);
    if (unsent === 0) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const ms = performance.now() - start;
  await relay.stop();
  return ms;
}

/**
 * Nanoseconds per observation of a latency histogram with its labels bound once: prom-client's
 * Histogram against the MessageHistogram the consumer and relay observe every message with.
 */
function histogramCosts(): void {
  const observations = 2_000_000;
  const buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
  const labels = { group: 'ki-notifications', topic: 'ki.registry.centre-events' };
  const registry = new Registry();
  const promClient = new Histogram({
    name: 'bench_prom_client',
    help: 'bench',
    labelNames: ['group', 'topic'],
    buckets,
    registers: [registry],
  });
  const ours = new MessageHistogram('bench_ours', 'bench', ['group', 'topic'], buckets, registry);
  // Ages as the consumer sees them, 0 to 1 s. One loop per kind, so neither call site is shared.
  const timePromClient = (series: ReturnType<typeof promClient.labels>) => {
    const start = performance.now();
    for (let i = 0; i < observations; i++) series.observe((i % 1000) / 1000);
    return ((performance.now() - start) * 1e6) / observations;
  };
  const timeOurs = (series: ReturnType<typeof ours.labels>) => {
    const start = performance.now();
    for (let i = 0; i < observations; i++) series.observe((i % 1000) / 1000);
    return ((performance.now() - start) * 1e6) / observations;
  };
  const costs = { promClient: [] as number[], ours: [] as number[] };
  for (let round = 0; round < ROUNDS; round++) {
    costs.promClient.push(timePromClient(promClient.labels(labels)));
    costs.ours.push(timeOurs(ours.labels(labels)));
  }
  const [prom, own] = [median(costs.promClient), median(costs.ours)];
  console.log(`histogram observation: prom-client ${prom.toFixed(1)} ns, MessageHistogram ${own.toFixed(1)} ns (medians of ${ROUNDS})`);
  console.log(`ratio message-histogram-vs-prom-client ${(prom / own).toFixed(1)}   (prom-client's time / ours)`);
}

async function main() {
  histogramCosts();
  const database = `ki_bench_${run.replace(/-/g, '')}`;
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  const dataSource = new DataSource({ type: 'postgres', url: url.toString(), migrations: messagingMigrations, logging: false });
  await dataSource.initialize();
  await dataSource.runMigrations();
  try {
    const batch = messages();
    const rawTopic = `${prefix}raw`;
    const relayPrefix = `${prefix}relay.`;
    await createTopic(rawTopic);
    await createTopic(topicName(Topics.centres, prefix));
    await createTopic(topicName(Topics.centres, relayPrefix));
    await createTopic(topicName(Topics.deadLetters, prefix));

    console.log(
      `Apache Kafka at ${brokers.join(',')}, PostgreSQL database ${database}; ${N} centre-opened events of ${batch[0].value?.length} bytes\n`,
    );
    // BENCH_ONLY_CONSUME=1 measures only the two consumers (for profiling the inbox).
    const onlyConsume = process.env.BENCH_ONLY_CONSUME === '1';
    const rates = { rawProduce: [] as number[], relay: [] as number[], rawConsume: [] as number[], inbox: [] as number[] };
    await rawProduce(topicName(Topics.centres, prefix), batch);
    for (let round = 1; round <= ROUNDS; round++) {
      console.log(`round ${round} of ${ROUNDS}`);
      if (!onlyConsume) {
        rates.rawProduce.push(report('raw-produce', await rawProduce(rawTopic, batch)));
        rates.relay.push(report('outbox-relay', await outboxRelay(dataSource, relayPrefix, batch, round)));
      }
      rates.rawConsume.push(
        report('raw-consume', await rawConsume(kafka, topicName(Topics.centres, prefix), N, { groupId: `bench-raw-${run}-${round}` })),
      );
      rates.inbox.push(report('inbox-consume', await inboxConsume(dataSource, prefix, round)));
    }
    const [rawProduceRate, relayRate, rawConsumeRate, inboxRate] = [rates.rawProduce, rates.relay, rates.rawConsume, rates.inbox].map(
      median,
    );
    const measured = {
      'raw-produce': rawProduceRate,
      'outbox-relay': relayRate,
      'raw-consume': rawConsumeRate,
      'inbox-consume': inboxRate,
    };
    const medians = Object.entries(measured).filter(([, rate]) => rate !== undefined);
    console.log(`\nmedians: ${medians.map(([name, rate]) => `${name} ${Math.round(rate)}`).join(', ')} msg/s`);
    console.log(`ratio inbox-vs-raw-consume ${(inboxRate / rawConsumeRate).toFixed(2)}   (target >= 0.5)`);
    if (!onlyConsume) console.log(`ratio outbox-vs-raw-produce ${(relayRate / rawProduceRate).toFixed(2)}   (target >= 0.5)`);
  } finally {
    await dataSource.destroy();
    await admin.query(`DROP DATABASE ${database} WITH (FORCE)`);
    await admin.end();
    await deleteTopicsWithPrefix(kafka, prefix);
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
