import { EventTypes, topicName, Topics } from '@ki/contracts';
import { coesfeldOpened, createTestDatabase, eventually, TestDatabase, testKafka, uniqueTopicPrefix } from '@ki/testing';
import { Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { encodeEvent } from './envelope-codec';
import { KafkaEventsServer } from './kafka-events.server';
import { MessagingMetrics } from './metrics';
import { messagingMigrations } from './migrations';
import { ensureTopics } from './topics';

describe('starting a consumer group', () => {
  let database: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    database = await createTestDatabase('consumer_start');
    dataSource = new DataSource({ type: 'postgres', url: database.url, migrations: messagingMigrations, logging: false });
    await dataSource.initialize();
    await dataSource.runMigrations();
  });

  afterAll(async () => {
    await dataSource.destroy();
    await database.drop();
  });

  it('waits for a topic the broker does not know yet, red on /health meanwhile, and consumes once it exists', async () => {
    // A broker's metadata can lag right after a topic was created; kafkajs gives up on such a subscription at once.
    const kafka = testKafka();
    const prefix = uniqueTopicPrefix('late-topic');
    const handled: string[] = [];
    const server = new KafkaEventsServer({
      kafka,
      dataSource,
      metrics: new MessagingMetrics(new Registry()),
      groupId: `${prefix}probe`,
      topicPrefix: prefix,
    });
    server.addHandler(
      EventTypes.CentreOpenedV1.type,
      async (opened: { hostBodyKey: string }) => void handled.push(opened.hostBodyKey),
      true,
    );
    const warnings: string[] = [];
    Object.assign(server, {
      logger: { log: () => undefined, warn: (m: string) => warnings.push(m), error: (m: string) => warnings.push(m) },
    });
    let started: unknown = 'not yet';
    void server.listen((err) => (started = err));
    try {
      await eventually(
        () => {
          const health = server.health();
          expect(health.running).toBe(false);
          expect(health.problem).toMatch(/^cannot start consuming yet: .*(does not host this topic-partition|unknown topic)/i);
        },
        { name: 'the missing topic reported', timeout: 15_000 },
      );
      expect(started).toBe('not yet');
      expect(warnings.join('\n')).toMatch(/consumer group .*probe cannot start consuming yet: .*; retrying in \d+ ms/);

      await ensureTopics(kafka, prefix);
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({
        topic: topicName(Topics.centres, prefix),
        messages: [encodeEvent(EventTypes.CentreOpenedV1, coesfeldOpened({ hostBodyKey: '05558' }), '/ki/test').message],
      });
      await producer.disconnect();

      await eventually(() => expect(handled).toEqual(['05558']), { name: 'the opening handled', timeout: 60_000 });
      expect(started).toBeUndefined();
      expect(server.health()).toMatchObject({ running: true, problem: undefined });
    } finally {
      await server.close();
    }
  });
});
