import { EventTypes } from '@ki/contracts';
import { EventPublisher } from '@ki/messaging';
import { coesfeldOpened, eventually, startTestService, testKafka, TestService } from '@ki/testing';
import { notificationsService } from '../service';
import { startWebhookReceiver } from '../test-support/webhook-receiver';

const OPENINGS = 12;

describe('two instances on one database', () => {
  let first: TestService;
  let second: TestService;
  let registry: EventPublisher;
  let webhook: Awaited<ReturnType<typeof startWebhookReceiver>>;

  beforeAll(async () => {
    webhook = await startWebhookReceiver();
    const env = {
      NOTIFICATIONS_FUNDING_WAIT_MS: '200',
      NOTIFICATIONS_POLL_INTERVAL_MS: '20',
      NOTIFICATIONS_WEBHOOK_ALLOW_LOOPBACK: 'true',
    };
    first = await startTestService(notificationsService, { env });
    second = await startTestService(notificationsService, { env, database: first.database, topicPrefix: first.config.kafka.topicPrefix });
    registry = new EventPublisher(testKafka(), { source: '/ki/registry', topicPrefix: first.config.kafka.topicPrefix });
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
    const centres = new Set<string>();
    for (let i = 0; i < OPENINGS; i++) {
      const opened = coesfeldOpened({ ordinal: 40 + i });
      centres.add(opened.centreId);
      await registry.publish(EventTypes.CentreOpenedV1, opened);
    }

    await eventually(() => expect(webhook.received).toHaveLength(OPENINGS), { name: 'every opening delivered', timeout: 30_000 });
    const announcements = (await (await fetch(`${second.url}/announcements?limit=500`)).json()) as { centreId: string; number: string }[];
    expect(announcements).toHaveLength(OPENINGS);
    expect(new Set(announcements.map((a) => a.centreId))).toEqual(centres);
    expect(new Set(announcements.map((a) => a.number)).size).toBe(OPENINGS);
    const runningNumbers = announcements.map((a) => Number(a.number.split('/')[0])).sort((a, b) => a - b);
    expect(runningNumbers).toEqual(Array.from({ length: OPENINGS }, (_, i) => i + 1));
    expect(new Set(webhook.received.map((r) => r.headers['webhook-id'])).size).toBe(OPENINGS);
    expect(new Set(webhook.received.map((r) => (JSON.parse(r.body) as { data: { centreId: string } }).data.centreId))).toEqual(centres);
  });
});
