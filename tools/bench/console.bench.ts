// Part of `npm run bench`: the console's memory with its index full. BENCH_CONSOLE_MESSAGES
// (default 1,000,000) centre-opened events are written to one topic; the console, as its own
// process, indexes them; then it is started again on the full index. Its resident memory and CPU
// are sampled with the index empty, while it indexes, idle with the index full, after the restart,
// and while operators search, page and follow journeys.
import 'reflect-metadata';
import { EventTypes, topicName, Topics } from '@ki/contracts';
import { encodeEvent, ensureTopics } from '@ki/messaging';
import { coesfeldOpened, createTestDatabase, deleteTopicsWithPrefix, eventually, freePort } from '@ki/testing';
import { Kafka, logLevel } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { ServiceInstance, waitHealthy } from '../chaos/system';
import { printUsage, sampleUsage, Usage } from './e2e/resources';
import { percentile } from './latency';

const N = Number(process.env.BENCH_CONSOLE_MESSAGES ?? 1_000_000);
const brokers = (process.env.BENCH_KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const READER = 'bench-console-reader-0123456789';
const prefix = `bench-console-${randomUUID().slice(0, 8)}.`;
const kafka = new Kafka({ clientId: 'bench-console', brokers, logLevel: logLevel.ERROR });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** N openings of made-up host bodies, a few batches in flight (not measured). */
async function produce(): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  const topic = topicName(Topics.centres, prefix);
  const started = performance.now();
  for (let i = 0; i < N; i += 20_000) {
    const sends = [];
    for (let j = i; j < Math.min(N, i + 20_000); j += 1000) {
      const messages = [];
      for (let k = j; k < Math.min(N, j + 1000); k++) {
        const hostBodyKey = `05${String(k % 1_000_000).padStart(6, '0')}`;
        const payload = coesfeldOpened({ centreId: randomUUID(), hostBodyKey, territoryKey: '05558', hostBodyName: `Gemeinde ${k}` });
        messages.push(encodeEvent(EventTypes.CentreOpenedV1, payload, '/ki/registry').message);
      }
      sends.push(producer.send({ topic, acks: -1, messages }));
    }
    await Promise.all(sends);
  }
  console.log(`${N} centre-opened events written in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  await producer.disconnect();
}

async function get(console_: ServiceInstance, path: string): Promise<unknown> {
  const res = await fetch(`${console_.url}${path}`, { headers: { 'x-api-key': READER }, signal: AbortSignal.timeout(30_000) });
  if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
  return res.json();
}

/** Waits until the console reached the partitions' ends of its start and read at least `read` messages since; answers the wait. */
async function indexed(console_: ServiceInstance, read: number, timeout: number): Promise<number> {
  const started = performance.now();
  await eventually(
    async () => {
      const res = await fetch(`${console_.url}/health`);
      const body = (await res.json()) as { details?: { index?: { caughtUp?: boolean; readSinceStart?: number } } };
      const index = body.details?.index;
      if (!index?.caughtUp || (index.readSinceStart ?? 0) < read) throw new Error(`index behind: ${JSON.stringify(index)}`);
    },
    { name: 'console index caught up', timeout, interval: 250 },
  );
  return performance.now() - started;
}

/** Samples the console's process for `ms` while `work` runs (or idles). */
async function during(console_: ServiceInstance, ms: number, work?: () => Promise<number>): Promise<{ usage: Usage; done: number }> {
  const sampler = sampleUsage({ console: console_.child?.pid as number });
  const until = Date.now() + ms;
  let done = 0;
  while (Date.now() < until) {
    if (work) done += await work();
    else await sleep(200);
  }
  return { usage: sampler.stop().console, done };
}

/** Answer times by kind of request, in ms. */
const answers = new Map<string, number[]>();

async function timed(kind: string, console_: ServiceInstance, path: string): Promise<unknown> {
  const started = performance.now();
  const body = await get(console_, path);
  answers.set(kind, [...(answers.get(kind) ?? []), performance.now() - started]);
  return body;
}

/** One operator's round: a search page, the next page, a message, a host body's journey, the topology. */
async function operatorRound(console_: ServiceInstance, i: number): Promise<number> {
  const hostBodyKey = `05${String((i * 7919) % N).padStart(6, '0')}`;
  const page = (await timed('search page', console_, `/api/messages?topic=${Topics.centres}&limit=50`)) as {
    messages: { topic: string; partition: number; offset: string }[];
    nextCursor?: string;
  };
  if (page.nextCursor)
    await timed('next page', console_, `/api/messages?topic=${Topics.centres}&limit=50&cursor=${encodeURIComponent(page.nextCursor)}`);
  const first = page.messages[0];
  if (first) await timed('one message', console_, `/api/messages/${first.topic}/${first.partition}/${first.offset}`);
  await timed('journey', console_, `/api/journey?q=${hostBodyKey}`);
  await timed('topology', console_, '/api/topology');
  return 5;
}

async function main(): Promise<void> {
  const database = await createTestDatabase('bench_console');
  let instance: ServiceInstance | undefined;
  try {
    await ensureTopics(kafka, prefix);
    const env = {
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      KAFKA_BROKERS: brokers.join(','),
      KAFKA_TOPIC_PREFIX: prefix,
      DATABASE_URL: database.url,
      CONSOLE_API_KEYS: `reader:${READER}:console:read`,
    };
    const start = async () => {
      const started = new ServiceInstance('console', 'apps/console/src/main.ts', await freePort(), env);
      started.start();
      await waitHealthy([started], 180_000);
      return started;
    };
    const report = (label: string, usage: Usage) => printUsage(label, { console: usage });

    instance = await start();
    report('index empty', (await during(instance, 5000)).usage);

    const sampler = sampleUsage({ console: instance.child?.pid as number });
    await produce();
    const lag = await indexed(instance, N, 1_800_000);
    report('indexing', sampler.stop().console);
    console.log(`console indexed ${N} messages, the last ${(lag / 1000).toFixed(1)} s after they were all written`);
    report('index full', (await during(instance, 5000)).usage);

    await instance.close();
    instance = await start();
    const restarted = await indexed(instance, 0, 120_000);
    console.log(`console started again on the full index: caught up ${(restarted / 1000).toFixed(1)} s after it was healthy`);
    report('restarted', (await during(instance, 5000)).usage);

    let round = 0;
    const started = performance.now();
    const searching = await during(instance, 20_000, () => operatorRound(instance as ServiceInstance, round++));
    report('searching', searching.usage);
    console.log(
      `console answered ${searching.done} requests in 20 s, one operator after another (${(searching.done / ((performance.now() - started) / 1000)).toFixed(0)}/s)`,
    );
    for (const [kind, times] of answers)
      console.log(
        `  ${kind.padEnd(12)} n=${String(times.length).padStart(4)}  p50 ${percentile(times, 50).toFixed(0).padStart(5)} ms  p95 ${percentile(times, 95).toFixed(0).padStart(5)} ms`,
      );
    console.log(`console-rss-mb-index-full ${searching.usage.rssMb.toFixed(0)}   (highest while searching ${N} indexed messages)`);
  } finally {
    await instance?.close();
    await database.drop();
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
