import { EventTypes } from '@ki/contracts';
import { EventPublisher } from '@ki/messaging';
import { coesfeldOpened, eventually, startTestService, testKafka, TestService } from '@ki/testing';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { notificationsService } from '../service';
import { fundingAllocated } from '../test-support/funding-fixtures';
import { startWebhookReceiver } from '../test-support/webhook-receiver';

interface Announcement {
  kind: string;
  number: string;
  centreId: string;
  title: string;
  text: string;
  fundingStatus: string;
}

describe('an opening whose funding is not known in time', () => {
  let service: TestService;
  let registry: EventPublisher;
  let ledger: EventPublisher;
  let webhook: Awaited<ReturnType<typeof startWebhookReceiver>>;

  beforeAll(async () => {
    webhook = await startWebhookReceiver();
    service = await startTestService(notificationsService, {
      env: {
        NOTIFICATIONS_FUNDING_WAIT_MS: '300',
        NOTIFICATIONS_POLL_INTERVAL_MS: '50',
        NOTIFICATIONS_WEBHOOK_ALLOW_LOOPBACK: 'true',
      },
    });
    const kafka = testKafka();
    const topicPrefix = service.config.kafka.topicPrefix;
    registry = new EventPublisher(kafka, { source: '/ki/registry', topicPrefix });
    ledger = new EventPublisher(kafka, { source: '/ki/funding-ledger', topicPrefix });
    const created = await fetch(`${service.url}/subscriptions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'ki-dev-notifications-key' },
      body: JSON.stringify({ channel: 'webhook', url: webhook.url, eventKinds: ['opening', 'funding'] }),
    });
    expect(created.status).toBe(201);
  });

  afterAll(async () => {
    await registry.close();
    await ledger.close();
    await service.close();
    await webhook.close();
  });

  const announcementsOf = async (centreId: string) =>
    ((await (await fetch(`${service.url}/announcements`)).json()) as Announcement[]).filter((a) => a.centreId === centreId).reverse();

  it('is announced alone when the wait is over, and the funding follows in a second announcement', async () => {
    const opened = coesfeldOpened();
    const envelope = await registry.publish(EventTypes.CentreOpenedV1, opened);

    const [alone] = await eventually(
      async () => {
        const found = await announcementsOf(opened.centreId);
        if (found.length === 0) throw new Error('not announced yet');
        return found;
      },
      { name: 'opening announced alone' },
    );
    expect(alone).toMatchObject({ kind: 'opening', fundingStatus: 'pending' });
    expect(alone.text).toContain('in einer eigenen Mitteilung');
    expect(alone.text).not.toContain('€');

    await ledger.publish(EventTypes.FundingAllocatedV1, fundingAllocated(opened, envelope.id));

    const [, followUp] = await eventually(
      async () => {
        const found = await announcementsOf(opened.centreId);
        if (found.length < 2) throw new Error('no follow-up yet');
        return found;
      },
      { name: 'follow-up announced' },
    );
    expect(followUp).toMatchObject({ kind: 'funding', fundingStatus: 'allocated' });
    expect(followUp.title).toBe('Förderung für das 50. Kommunale Integrationszentrum (Kreis Coesfeld) steht fest');
    expect(followUp.text).toContain('155.833,33 €');
    expect(followUp.text).toContain('2 Lehrerstellen');
    expect(followUp.text).toContain('am 12. Februar 2016 in Lüdinghausen eröffnet');
    await eventually(() => expect(webhook.received).toHaveLength(2), { name: 'both delivered' });
    expect(webhook.received.map((r) => (JSON.parse(r.body) as { type: string }).type)).toEqual([
      'announcement.opening',
      'announcement.funding',
    ]);
  });

  it('parks an opening it cannot announce, with the error, and announces the openings behind it', async () => {
    const db = service.app.get(DataSource);
    const broken = randomUUID();
    // Due long before any other, with a host body key no event may carry.
    await db.query(
      `INSERT INTO openings (opened_event_id, centre_id, host_body_key, territory_key, host_body_name, ordinal, opened_on, place,
                             correlation_id, state, funding_due_at)
       VALUES ($1, gen_random_uuid(), 'no-such-key', '05558', 'Kreis Coesfeld', 51, '2016-02-12', 'Lüdinghausen', $1, 'waiting',
               now() - interval '1 hour')`,
      [broken],
    );
    const opened = coesfeldOpened();

    await registry.publish(EventTypes.CentreOpenedV1, opened);

    await eventually(async () => expect(await announcementsOf(opened.centreId)).toHaveLength(1), { name: 'later opening announced' });
    const [parked] = await db.query(`SELECT state, failure FROM openings WHERE opened_event_id = $1`, [broken]);
    expect(parked.state).toBe('parked');
    expect(parked.failure).toContain('hostBodyKey');
    expect((await fetch(`${service.url}/health`)).status).toBe(200);
  });
});
