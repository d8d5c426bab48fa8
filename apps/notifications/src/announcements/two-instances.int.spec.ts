import { ConsumerGroups, EventTypes, topicName, Topics } from '@ki/contracts';
import { EventPublisher } from '@ki/messaging';
import {
  eventually,
  handledByInstance,
  historicalOpenings,
  startTestService,
  testKafka,
  TestService,
  waitForGroupMembers,
  waitForGroupToCatchUp,
} from '@ki/testing';
import { Kafka } from 'kafkajs';
import { DataSource } from 'typeorm';
import { notificationsService } from '../service';
import { startWebhookReceiver } from '../test-support/webhook-receiver';

const OPENINGS = 12;

describe('two instances on one database', () => {
  let first: TestService;
  let second: TestService;
  let registry: EventPublisher;
  let kafka: Kafka;
  let groupId: string;
  let topics: string[];
  let webhook: Awaited<ReturnType<typeof startWebhookReceiver>>;

  beforeAll(async () => {
    webhook = await startWebhookReceiver();
    const env = {
      NOTIFICATIONS_FUNDING_WAIT_MS: '200',
      NOTIFICATIONS_POLL_INTERVAL_MS: '20',
      NOTIFICATIONS_WEBHOOK_ALLOW_LOOPBACK: 'true',
    };
    first = await startTestService(notificationsService, { env, instance: 'notifications-a' });
    const { topicPrefix, groupIdPrefix } = first.config.kafka;
    second = await startTestService(notificationsService, { env, database: first.database, topicPrefix, instance: 'notifications-b' });
    kafka = testKafka();
    registry = new EventPublisher(kafka, { source: '/ki/registry', topicPrefix });
    groupId = `${groupIdPrefix}${ConsumerGroups.notifications}`;
    topics = [Topics.centres, Topics.funding].map((t) => topicName(t, topicPrefix));
    // Both members hold partitions of the centres topic before anything is sent, so both take part.
    await waitForGroupMembers(kafka, groupId, topics[0], 2);
    const created = await fetch(`${first.url}/subscriptions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'ki-dev-notifications-key' },
      body: JSON.stringify({ channel: 'webhook', url: webhook.url, eventKinds: ['opening'] }),
    });
    expect(created.status).toBe(201);
  });

  afterAll(async () => {
    await registry.close();
    await second.close();
    await first.close();
    await webhook.close();
  });

  it('share the funding-wait timer and the dispatcher without announcing or delivering anything twice', async () => {
    // Openings of different host bodies, spread over the partitions.
    const openings = historicalOpenings().slice(0, OPENINGS);
    const centres = new Set(openings.map((o) => o.centreId));
    for (const opened of openings) await registry.publish(EventTypes.CentreOpenedV1, opened);

    await eventually(() => expect(webhook.received).toHaveLength(OPENINGS), { name: 'every opening delivered', timeout: 30_000 });
    await waitForGroupToCatchUp(kafka, groupId, topics);
    const db = first.app.get(DataSource);
    await eventually(
      async () => expect(await db.query(`SELECT count(*)::int AS n FROM deliveries WHERE status <> 'succeeded'`)).toEqual([{ n: 0 }]),
      { name: 'every delivery recorded' },
    );
    const announcements = (await (await fetch(`${second.url}/announcements?limit=500`)).json()) as { centreId: string; number: string }[];
    expect(announcements).toHaveLength(OPENINGS);
    expect(new Set(announcements.map((a) => a.centreId))).toEqual(centres);
    expect(new Set(announcements.map((a) => a.number)).size).toBe(OPENINGS);
    const runningNumbers = announcements.map((a) => Number(a.number.split('/')[0])).sort((a, b) => a - b);
    expect(runningNumbers).toEqual(Array.from({ length: OPENINGS }, (_, i) => i + 1));
    expect(new Set(webhook.received.map((r) => r.headers['webhook-id'])).size).toBe(OPENINGS);
    expect(new Set(webhook.received.map((r) => (JSON.parse(r.body) as { data: { centreId: string } }).data.centreId))).toEqual(centres);
    expect(webhook.received).toHaveLength(OPENINGS);
    // Both instances handled openings (the inbox records each one's connection).
    const byInstance = await handledByInstance(db, EventTypes.CentreOpenedV1.type);
    expect(Object.keys(byInstance)).toEqual(['notifications-a', 'notifications-b']);
    expect(byInstance['notifications-a'] + byInstance['notifications-b']).toBe(OPENINGS);
  });
});
