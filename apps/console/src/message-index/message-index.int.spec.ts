import { EventTypes, envelopeToHeaders, TopicName, topicName, Topics } from '@ki/contracts';
import { encodeEvent, ensureTopics } from '@ki/messaging';
import {
  coesfeldFundingAllocated,
  coesfeldOpened,
  createTestDatabase,
  eventually,
  startTestService,
  TestDatabase,
  testKafka,
  TestService,
  uniqueTopicPrefix,
} from '@ki/testing';
import { Message } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { JourneyEntry } from '../journey/journey';
import type { SearchPage } from '../messages/message-search';
import { consoleService } from '../service';

const READER = 'console-reader-0123456789';
const env = { CONSOLE_API_KEYS: `reader:${READER}:console:read` };

interface IndexHealth {
  readSinceStart: number;
  caughtUp: boolean;
  caughtUpAfterMs?: number;
}

async function get<T>(app: TestService, path: string): Promise<T> {
  const res = await fetch(`${app.url}${path}`, { headers: { 'x-api-key': READER } });
  if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

async function indexHealth(app: TestService): Promise<IndexHealth> {
  const res = await fetch(`${app.url}/health`);
  const body = (await res.json()) as { details: { index: IndexHealth } };
  if (res.status !== 200) throw new Error(`health ${res.status}: ${JSON.stringify(body)}`);
  return body.details.index;
}

const caughtUp = (app: TestService, timeout: number) =>
  eventually(
    async () => {
      const health = await indexHealth(app);
      expect(health.caughtUp).toBe(true);
      return health;
    },
    { name: 'index caught up', timeout, interval: 100 },
  );

async function sql<T>(database: TestDatabase, text: string): Promise<T> {
  const client = new Client({ connectionString: database.url });
  await client.connect();
  try {
    return (await client.query(text)).rows[0] as T;
  } finally {
    await client.end();
  }
}

async function produce(topicPrefix: string, topic: TopicName, messages: Message[], perRequest = 2000): Promise<void> {
  // Idempotent: a send retried after a leader change must not write a message twice.
  const producer = testKafka().producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    const requests: Message[][] = [];
    for (let i = 0; i < messages.length; i += perRequest) requests.push(messages.slice(i, i + perRequest));
    // A few requests in flight at once: the broker appends them in parallel.
    for (let i = 0; i < requests.length; i += 4)
      await Promise.all(requests.slice(i, i + 4).map((batch) => producer.send({ topic: topicName(topic, topicPrefix), messages: batch })));
  } finally {
    await producer.disconnect();
  }
}

/** A valid centre opening of a made-up host body, as the registry would write it. */
function opening(i: number): Message {
  const hostBodyKey = `09${String(i).padStart(6, '0')}`;
  const payload = coesfeldOpened({ centreId: randomUUID(), hostBodyKey, territoryKey: hostBodyKey, hostBodyName: `Gemeinde ${i}` });
  return {
    key: hostBodyKey,
    value: JSON.stringify(payload),
    headers: envelopeToHeaders({
      id: randomUUID(),
      type: EventTypes.CentreOpenedV1.type,
      source: '/ki/registry',
      time: new Date().toISOString(),
      subject: hostBodyKey,
      correlationId: randomUUID(),
    }),
  };
}

const figures: string[] = [];
afterAll(() => figures.length > 0 && process.stderr.write(`\n[console index] ${figures.join('\n[console index] ')}\n`));

describe('the index after 100,000 messages and a restart', () => {
  const topicPrefix = uniqueTopicPrefix('index100k');
  const correlationId = randomUUID();
  const total = 100_000;
  let database: TestDatabase;
  let consoleApp: TestService | undefined;

  beforeAll(async () => {
    database = await createTestDatabase('console_index');
    await ensureTopics(testKafka(), topicPrefix);
    // Kreis Coesfeld opens first; its funding follows; then 100,000 openings of other host bodies.
    const coesfeld = coesfeldOpened();
    const opened = encodeEvent(EventTypes.CentreOpenedV1, coesfeld, '/ki/registry', { correlationId });
    const funded = encodeEvent(
      EventTypes.FundingAllocatedV1,
      coesfeldFundingAllocated(coesfeld, opened.envelope.id),
      '/ki/funding-ledger',
      {
        correlationId,
        causationId: opened.envelope.id,
      },
    );
    await produce(topicPrefix, Topics.centres, [opened.message]);
    await produce(topicPrefix, Topics.funding, [funded.message]);
    const started = performance.now();
    await produce(
      topicPrefix,
      Topics.centres,
      Array.from({ length: total }, (_, i) => opening(i)),
    );
    figures.push(`produced ${total} messages in ${Math.round(performance.now() - started)} ms`);

    const indexing = performance.now();
    consoleApp = await startTestService(consoleService, { topicPrefix, database, env });
    await caughtUp(consoleApp, 240_000);
    figures.push(`first start indexed ${total + 2} messages in ${Math.round(performance.now() - indexing)} ms`);
    await consoleApp.close();
    consoleApp = undefined;
  }, 400_000);

  afterAll(async () => {
    await consoleApp?.close();
    await database.drop();
  });

  it('starts again ready without reading the topics again, and shows the journey of Kreis Coesfeld within a second', async () => {
    const before = await sql<{ rows: string; seq: string }>(
      database,
      `SELECT (SELECT count(*) FROM indexed_messages) AS rows, (SELECT last_value FROM indexed_messages_seq_seq) AS seq`,
    );

    const starting = performance.now();
    consoleApp = await startTestService(consoleService, { topicPrefix, database, env });
    const listening = performance.now() - starting;
    const health = await caughtUp(consoleApp, 30_000);
    const ready = performance.now() - starting;
    const asking = performance.now();
    const journey = await get<{ entries: JourneyEntry[] }>(consoleApp, '/api/journey?q=05558');
    const answered = performance.now() - asking;
    figures.push(
      `restart: HTTP listening after ${Math.round(listening)} ms, index caught up after ${Math.round(ready)} ms (reader ${health.caughtUpAfterMs} ms); journey of 05558 in ${Math.round(answered)} ms`,
    );

    expect(health.readSinceStart).toBe(0);
    // Not one insert was even tried: each would have taken a number from the sequence.
    expect(
      await sql(
        database,
        `SELECT (SELECT count(*) FROM indexed_messages) AS rows, (SELECT last_value FROM indexed_messages_seq_seq) AS seq`,
      ),
    ).toEqual(before);
    expect(Number(before.rows)).toBe(total + 2);
    expect(answered).toBeLessThan(1000);
    expect(journey.entries.map((e) => e.step)).toEqual(['opened', 'funding']);
    expect(journey.entries[1].summary).toContain('155,833.33 EUR');
  });

  it('indexes what arrived while it was stopped and after, and only that', async () => {
    if (!consoleApp) throw new Error('the console of the test before is not running');
    const app = consoleApp;
    await app.close();
    consoleApp = undefined;
    await produce(topicPrefix, Topics.centres, [opening(total), opening(total + 1)]);

    consoleApp = await startTestService(consoleService, { topicPrefix, database, env });
    await produce(topicPrefix, Topics.centres, [opening(total + 2)]);

    const latest = await eventually(
      async () => {
        const page = await get<SearchPage>(consoleApp as TestService, `/api/messages?topic=${Topics.centres}&limit=3`);
        expect(page.messages.map((m) => m.hostBodyKey).sort()).toEqual(['09100000', '09100001', '09100002']);
        return page;
      },
      { name: 'the three new openings indexed', timeout: 30_000 },
    );
    expect(latest.messages).toHaveLength(3);
    expect((await indexHealth(consoleApp)).readSinceStart).toBe(3);
  });
});

describe('two console instances', () => {
  const topicPrefix = uniqueTopicPrefix('index2');
  const apps: TestService[] = [];

  afterAll(async () => {
    for (const app of apps) await app.close();
  });

  it('both show every message of every partition, each from a database of its own', async () => {
    for (let i = 0; i < 2; i++) apps.push(await startTestService(consoleService, { topicPrefix, env }));
    const messages = Array.from({ length: 300 }, (_, i) => opening(i));
    await produce(topicPrefix, Topics.centres, messages, 50);

    for (const app of apps) {
      const page = await eventually(
        async () => {
          const found = await get<SearchPage>(app, `/api/messages?topic=${Topics.centres}&limit=500`);
          expect(found.messages).toHaveLength(300);
          return found;
        },
        { name: 'every message in this instance', timeout: 60_000, interval: 250 },
      );
      expect(new Set(page.messages.map((m) => m.partition))).toEqual(new Set([0, 1, 2]));
      expect(new Set(page.messages.map((m) => m.key))).toEqual(new Set(messages.map((m) => String(m.key))));
    }
  });
});

describe('index retention', () => {
  const topicPrefix = uniqueTopicPrefix('indexret');
  let database: TestDatabase;
  const apps: TestService[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('console_retention');
    await ensureTopics(testKafka(), topicPrefix);
  });

  afterAll(async () => {
    for (const app of apps) await app.close();
    await database.drop();
  });

  it('deletes messages older than CONSOLE_INDEX_RETENTION_DAYS and never indexes them again', async () => {
    const tenDaysAgo = String(Date.now() - 10 * 24 * 60 * 60 * 1000);
    await produce(topicPrefix, Topics.centres, [
      { ...opening(1), timestamp: tenDaysAgo },
      { ...opening(2), timestamp: tenDaysAgo },
      opening(3),
    ]);
    const retention = { ...env, CONSOLE_INDEX_RETENTION_DAYS: '7', CONSOLE_INDEX_PRUNE_INTERVAL_MS: '1000' };
    const keys = async (app: TestService) =>
      (await get<SearchPage>(app, `/api/messages?topic=${Topics.centres}`)).messages.map((m) => m.hostBodyKey);

    const first = await startTestService(consoleService, { topicPrefix, database, env: retention });
    apps.push(first);
    await eventually(async () => expect(await keys(first)).toEqual(['09000003']), { name: 'old messages pruned', timeout: 30_000 });
    await first.close();
    apps.pop();
    const second = await startTestService(consoleService, { topicPrefix, database, env: retention });
    apps.push(second);
    await caughtUp(second, 30_000);

    expect(await keys(second)).toEqual(['09000003']);
    expect((await indexHealth(second)).readSinceStart).toBe(0);
  });
});
