import { ConsumerGroups, EnvelopeAttributes, EventTypes, TopicName, topicName, Topics } from '@ki/contracts';
import { encodeEvent, EventPublisher } from '@ki/messaging';
import { coesfeldOpened, eventually, startTestService, testKafka, TestService, waitForGroupToCatchUp } from '@ki/testing';
import { Kafka, Message } from 'kafkajs';
import { DataSource } from 'typeorm';
import { notificationsService } from '../service';
import { verifyWebhook } from '../subscriptions/domain/webhook-signature';
import { fundingAllocated, fundingRejected } from '../test-support/funding-fixtures';
import { startSmtpReceiver } from '../test-support/smtp-receiver';
import { startWebhookReceiver } from '../test-support/webhook-receiver';

const WRITER = 'writer-key-0123456789abcdef';
const OPERATOR = 'operator-key-0123456789abcdef';

interface Announcement {
  id: string;
  number: string;
  kind: string;
  centreId: string;
  title: string;
  text: string;
  fundingStatus: string;
  rejectionReason: string | null;
  rejectionDetail: string | null;
}

describe('announcements of openings and their funding', () => {
  let service: TestService;
  let registry: EventPublisher;
  let ledger: EventPublisher;
  let webhook: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let smtp: Awaited<ReturnType<typeof startSmtpReceiver>>;
  let secret: string;
  let kafka: Kafka;

  const call = async (method: string, path: string, body?: unknown, key: string | null = WRITER) => {
    const res = await fetch(`${service.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(key ? { 'x-api-key': key } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as never };
  };
  const announcementsOf = async (centreId: string) =>
    ((await call('GET', '/announcements?limit=500')).body as Announcement[]).filter((a) => a.centreId === centreId);
  /** Every opening and funding result on the topics handled: a second announcement would be in the database by now. */
  const caughtUp = () =>
    waitForGroupToCatchUp(
      kafka,
      service.groupId(ConsumerGroups.notifications),
      [Topics.centres, Topics.funding].map((t) => topicName(t, service.config.kafka.topicPrefix)),
    );
  const centreOf = (body: string) => (JSON.parse(body) as { data: { centreId: string } }).data.centreId;
  const webhooksAbout = (centreId: string) => webhook.received.filter((r) => centreOf(r.body) === centreId);
  /** One send: the events reach the consumer in one chunk and its batch handler in one call. */
  const sendInOneRequest = async (topic: TopicName, messages: Message[]) => {
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: topicName(topic, service.config.kafka.topicPrefix), acks: -1, messages });
    await producer.disconnect();
  };

  beforeAll(async () => {
    webhook = await startWebhookReceiver();
    smtp = await startSmtpReceiver();
    service = await startTestService(notificationsService, {
      env: {
        NOTIFICATIONS_API_KEYS: `ops:${WRITER}:notifications:write,operator:${OPERATOR}:notifications:operator`,
        NOTIFICATIONS_FUNDING_WAIT_MS: '600000',
        NOTIFICATIONS_POLL_INTERVAL_MS: '100',
        NOTIFICATIONS_WEBHOOK_ALLOW_LOOPBACK: 'true',
        NOTIFICATIONS_SMTP_URL: smtp.url,
        // The test server speaks no STARTTLS.
        NOTIFICATIONS_SMTP_REQUIRE_TLS: 'false',
      },
    });
    kafka = testKafka();
    const topicPrefix = service.config.kafka.topicPrefix;
    registry = new EventPublisher(kafka, { source: '/ki/registry', topicPrefix });
    ledger = new EventPublisher(kafka, { source: '/ki/funding-ledger', topicPrefix });
    const created = await call('POST', '/subscriptions', { channel: 'webhook', url: webhook.url, eventKinds: ['opening', 'funding'] });
    expect(created.status).toBe(201);
    secret = (created.body as { secret: string }).secret;
    expect(
      (await call('POST', '/subscriptions', { channel: 'email', email: 'redaktion@example.org', eventKinds: ['opening'] })).status,
    ).toBe(201);
  });

  afterAll(async () => {
    await registry.close();
    await ledger.close();
    await service.close();
    await webhook.close();
    await smtp.close();
  });

  it('announces the 50th opening with its funding once: signed webhook, e-mail and Atom feed', async () => {
    const opened = coesfeldOpened();

    const envelope = await registry.publish(EventTypes.CentreOpenedV1, opened);
    await ledger.publish(EventTypes.FundingAllocatedV1, fundingAllocated(opened, envelope.id), { causationId: envelope.id });

    const [delivery] = await eventually(
      () => {
        const found = webhooksAbout(opened.centreId);
        if (found.length === 0) throw new Error('no webhook yet');
        return found;
      },
      { name: 'webhook delivery' },
    );
    const payload = JSON.parse(delivery.body) as {
      type: string;
      data: Announcement & { grantCents: string; teacherPostsHundredths: number };
    };
    expect(payload.type).toBe('announcement.opening');
    expect(payload.data).toMatchObject({ hostBodyName: 'Kreis Coesfeld', ordinal: 50, fundingStatus: 'allocated', grantCents: '15583333' });
    expect(payload.data.number).toMatch(/^\d+\/2\/2016$/);
    expect(payload.data.title).toBe('50. Kommunales Integrationszentrum in Nordrhein-Westfalen eröffnet: Kreis Coesfeld');
    expect(payload.data.text).toContain('Presseinformation – ');
    expect(payload.data.text).toContain('12.02.2016');
    expect(payload.data.text).toContain('Lüdinghausen, 12. Februar 2016');
    expect(payload.data.text).toContain('155.833,33 €');
    expect(payload.data.text).toContain('2 Lehrerstellen');
    const headers = {
      id: String(delivery.headers['webhook-id']),
      timestamp: String(delivery.headers['webhook-timestamp']),
      signature: String(delivery.headers['webhook-signature']),
    };
    expect(headers.signature).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(verifyWebhook(secret, headers, delivery.body, Math.floor(Date.now() / 1000))).toBe(true);

    const mail = await eventually(
      () => {
        const found = smtp.received.find((m) => m.text?.includes(opened.centreId) || m.subject?.includes(payload.data.number));
        if (!found) throw new Error('no e-mail yet');
        return found;
      },
      { name: 'e-mail' },
    );
    expect(mail.subject).toBe(`Presseinformation ${payload.data.number}: ${payload.data.title}`);
    expect(mail.text).toContain('155.833,33 €');
    expect(mail.text).toContain('2 Lehrerstellen');
    expect(mail.to).toMatchObject({ text: 'redaktion@example.org' });

    const feed = await fetch(`${service.url}/feed.atom`);
    const xml = await feed.text();
    expect(feed.headers.get('content-type')).toContain('application/atom+xml');
    expect(xml).toContain(`<id>urn:uuid:${payload.data.id}</id>`);
    expect(xml).toContain(`Presseinformation ${payload.data.number}: 50. Kommunales Integrationszentrum`);
    expect(xml).toContain('155.833,33 €');

    await caughtUp();
    expect(await announcementsOf(opened.centreId)).toHaveLength(1);
    expect(webhooksAbout(opened.centreId)).toHaveLength(1);
  });

  it('creates no second announcement and no second delivery when the same events arrive again', async () => {
    const opened = coesfeldOpened();
    const envelope = await registry.publish(EventTypes.CentreOpenedV1, opened);
    const allocation = fundingAllocated(opened, envelope.id);
    const funded = await ledger.publish(EventTypes.FundingAllocatedV1, allocation);
    await eventually(() => expect(webhooksAbout(opened.centreId)).toHaveLength(1), { name: 'first delivery' });

    await registry.publish(EventTypes.CentreOpenedV1, opened, { id: envelope.id, correlationId: envelope.correlationId });
    await ledger.publish(EventTypes.FundingAllocatedV1, allocation, { id: funded.id });
    // A later opening of the same host body travels the same partitions: once it is announced, the repeats were handled.
    const marker = coesfeldOpened();
    const markerEnvelope = await registry.publish(EventTypes.CentreOpenedV1, marker);
    await ledger.publish(EventTypes.FundingAllocatedV1, fundingAllocated(marker, markerEnvelope.id));
    await eventually(() => expect(webhooksAbout(marker.centreId)).toHaveLength(1), { name: 'marker delivered' });
    await caughtUp();

    const announcements = await announcementsOf(opened.centreId);
    expect(announcements).toHaveLength(1);
    expect(webhooksAbout(opened.centreId)).toHaveLength(1);
    const log = await call('GET', `/announcements/${announcements[0].id}/deliveries`, undefined, OPERATOR);
    expect((log.body as { channel: string; status: string; attempts: number }[]).map((d) => [d.channel, d.status, d.attempts])).toEqual([
      ['webhook', 'succeeded', 1],
      ['email', 'succeeded', 1],
    ]);
  });

  it('announces an opening whose funding was refused, saying why in German with euro amounts, without codes, cents or English', async () => {
    const opened = coesfeldOpened({
      hostBodyKey: '05554',
      territoryKey: '05554',
      hostBodyName: 'Kreis Borken',
      ordinal: 51,
      openedOn: '2016-06-28',
      place: 'Borken',
    });

    const envelope = await registry.publish(EventTypes.CentreOpenedV1, opened);
    await ledger.publish(EventTypes.FundingAllocationRejectedV1, fundingRejected(opened, envelope.id));

    const [announcement] = await eventually(
      async () => {
        const found = await announcementsOf(opened.centreId);
        if (found.length === 0) throw new Error('not announced yet');
        return found;
      },
      { name: 'announcement' },
    );
    expect(announcement).toMatchObject({ kind: 'opening', fundingStatus: 'rejected', rejectionReason: 'BUDGET_EXHAUSTED' });
    expect(announcement.number).toMatch(/^\d+\/6\/2016$/);
    expect(announcement.title).toBe('51. Kommunales Integrationszentrum in Nordrhein-Westfalen eröffnet: Kreis Borken');
    expect(announcement.text).toContain('Borken, 28. Juni 2016');
    expect(announcement.text).toContain(
      'wurde nicht bewilligt, denn die Mittel des Programms „Landeszuwendung für das Personal der Kommunalen Integrationszentren (MAIS)“ ' +
        'für 2016 reichen nicht aus (benötigt 155.833,33 €, verfügbar 12.000,00 €).',
    );
    expect(announcement.text).not.toMatch(/BUDGET_EXHAUSTED|MAIS_KI_GRANT|EUR_CENT|15583333|1200000|needed|left in the budget/);
    expect(announcement.text).not.toContain('Lehrerstelle');
    expect(announcement.rejectionDetail).toBe(
      'die Mittel des Programms „Landeszuwendung für das Personal der Kommunalen Integrationszentren (MAIS)“ für 2016 reichen nicht aus ' +
        '(benötigt 155.833,33 €, verfügbar 12.000,00 €)',
    );
    await eventually(() => expect(webhooksAbout(opened.centreId)).toHaveLength(1), { name: 'webhook delivery' });
    const delivered = JSON.parse(webhooksAbout(opened.centreId)[0].body) as { data: Announcement };
    expect(delivered.data).toMatchObject({ fundingStatus: 'rejected', rejectionReason: 'BUDGET_EXHAUSTED' });
    const log = await call('GET', `/announcements/${announcement.id}/deliveries`, undefined, OPERATOR);
    expect(log.status).toBe(200);
    expect((log.body as { status: string }[]).length).toBeGreaterThan(0);
  });

  it('announces no historical opening (recorded later by the history import): no announcement, no webhook, no e-mail', async () => {
    const historical = coesfeldOpened({
      hostBodyKey: '05966',
      territoryKey: '05966',
      hostBodyName: 'Kreis Olpe',
      ordinal: 49,
      openedOn: '2015-06-01',
      place: 'Olpe',
      dateStatus: 'assumed',
      historical: true,
    });
    const envelope = await registry.publish(EventTypes.CentreOpenedV1, historical);
    await ledger.publish(EventTypes.FundingAllocatedV1, fundingAllocated(historical, envelope.id), { causationId: envelope.id });
    // A later opening of the same host body travels the same partitions: once it is announced, the historical one was handled.
    const marker = coesfeldOpened({ hostBodyKey: '05966', territoryKey: '05966', hostBodyName: 'Kreis Olpe', openedOn: '2016-07-01' });
    const markerEnvelope = await registry.publish(EventTypes.CentreOpenedV1, marker);
    await ledger.publish(EventTypes.FundingAllocatedV1, fundingAllocated(marker, markerEnvelope.id));
    await eventually(() => expect(webhooksAbout(marker.centreId)).toHaveLength(1), { name: 'marker delivered' });

    expect(await announcementsOf(historical.centreId)).toEqual([]);
    expect(webhooksAbout(historical.centreId)).toEqual([]);
    expect(smtp.received.filter((m) => m.text?.includes('2015'))).toEqual([]);
    expect(await (await fetch(`${service.url}/feed.atom`)).text()).not.toContain('1. Juni 2015');
    const [row] = await service.app
      .get(DataSource)
      .query(`SELECT state, historical FROM openings WHERE centre_id = $1`, [historical.centreId]);
    expect(row).toEqual({ state: 'recorded', historical: true });
  });

  it('announces at once when the funding result arrived before the opening', async () => {
    const opened = coesfeldOpened({
      hostBodyKey: '05566',
      territoryKey: '05566',
      hostBodyName: 'Kreis Steinfurt',
      ordinal: 52,
      openedOn: '2016-06-29',
      place: 'Steinfurt',
    });
    const openingEventId = '3f0c9c1e-4e77-4d0a-9d8c-2b1d7c0f5a52';

    await ledger.publish(
      EventTypes.FundingAllocatedV1,
      fundingAllocated(opened, openingEventId, { grantCents: '8500000', totalCents: '8500000' }),
    );
    await registry.publish(EventTypes.CentreOpenedV1, opened, { id: openingEventId });

    const [announcement] = await eventually(
      async () => {
        const found = await announcementsOf(opened.centreId);
        if (found.length === 0) throw new Error('not announced yet');
        return found;
      },
      { name: 'announcement' },
    );
    expect(announcement).toMatchObject({ kind: 'opening', fundingStatus: 'allocated' });
    expect(announcement.text).toContain('85.000,00 €');
  });

  it('announces a chunk of openings whose funding results came first at once, in their order; an opening without one waits', async () => {
    const openings = Array.from({ length: 5 }, () => coesfeldOpened());
    const encoded = openings.map((opened) => encodeEvent(EventTypes.CentreOpenedV1, opened, '/ki/registry'));
    const funded = encoded.slice(0, 4);
    for (const [i, { envelope }] of funded.entries())
      await ledger.publish(EventTypes.FundingAllocatedV1, fundingAllocated(openings[i], envelope.id), { causationId: envelope.id });
    const dataSource = service.app.get(DataSource);
    await eventually(
      async () => {
        const [{ kept }] = await dataSource.query(`SELECT count(*)::int AS kept FROM funding_results WHERE opening_event_id = ANY($1)`, [
          funded.map((e) => e.envelope.id),
        ]);
        expect(kept).toBe(funded.length);
      },
      { name: 'funding results kept for openings not seen yet' },
    );
    await sendInOneRequest(
      Topics.centres,
      encoded.map((e) => e.message),
    );

    const centreIds = funded.map((_, i) => openings[i].centreId);
    await eventually(() => expect(webhook.received.filter((r) => centreIds.includes(centreOf(r.body)))).toHaveLength(funded.length), {
      name: 'webhook deliveries',
    });
    expect(webhook.received.map((r) => centreOf(r.body)).filter((id) => centreIds.includes(id))).toEqual(centreIds);
    const announced = await Promise.all(centreIds.map(async (id) => announcementsOf(id)));
    expect(announced.map((found) => found.map((a) => [a.kind, a.fundingStatus]))).toEqual(centreIds.map(() => [['opening', 'allocated']]));
    const running = announced.map(([a]) => Number(a.number.split('/')[0]));
    expect(running).toEqual(running.map((_, i) => running[0] + i));
    const published: { centreId: string; causationId: string }[] = await dataSource.query(
      `SELECT payload::jsonb->>'centreId' AS "centreId", headers->>'ce_causationid' AS "causationId"
       FROM messaging_outbox WHERE event_type = $1 AND payload::jsonb->>'centreId' = ANY($2)`,
      [EventTypes.AnnouncementPublishedV1.type, centreIds],
    );
    expect(new Map(published.map((p) => [p.centreId, p.causationId]))).toEqual(
      new Map(funded.map((e, i) => [centreIds[i], e.envelope.id])),
    );

    await caughtUp();
    const waiting = openings[4];
    expect(await announcementsOf(waiting.centreId)).toEqual([]);
    const [{ state }] = await dataSource.query(`SELECT state FROM openings WHERE opened_event_id = $1`, [encoded[4].envelope.id]);
    expect(state).toBe('waiting');
  });

  it("announces a chunk of funding results in their order: consecutive numbers, deliveries in that order, each event in its own result's trace", async () => {
    const openings = Array.from({ length: 6 }, () => coesfeldOpened());
    const envelopes: EnvelopeAttributes[] = [];
    for (const opened of openings) envelopes.push(await registry.publish(EventTypes.CentreOpenedV1, opened));
    const dataSource = service.app.get(DataSource);
    await eventually(
      async () => {
        const [{ waiting }] = await dataSource.query(`SELECT count(*)::int AS waiting FROM openings WHERE opened_event_id = ANY($1)`, [
          envelopes.map((e) => e.id),
        ]);
        expect(waiting).toBe(openings.length);
      },
      { name: 'openings waiting for their funding' },
    );
    const results = openings.map((opened, i) =>
      encodeEvent(EventTypes.FundingAllocatedV1, fundingAllocated(opened, envelopes[i].id), '/ki/funding-ledger', {
        causationId: envelopes[i].id,
        correlationId: envelopes[i].correlationId,
      }),
    );
    await sendInOneRequest(
      Topics.funding,
      results.map((r) => r.message),
    );

    const centreIds = openings.map((o) => o.centreId);
    await eventually(() => expect(webhook.received.filter((r) => centreIds.includes(centreOf(r.body)))).toHaveLength(openings.length), {
      name: 'webhook deliveries',
    });
    expect(webhook.received.map((r) => centreOf(r.body)).filter((id) => centreIds.includes(id))).toEqual(centreIds);
    const announced = await Promise.all(openings.map(async (o) => (await announcementsOf(o.centreId))[0]));
    const running = announced.map((a) => Number(a.number.split('/')[0]));
    expect(running).toEqual(running.map((_, i) => running[0] + i));
    const published: { centreId: string; causationId: string; correlationId: string }[] = await dataSource.query(
      `SELECT payload::jsonb->>'centreId' AS "centreId", headers->>'ce_causationid' AS "causationId", headers->>'ce_correlationid' AS "correlationId"
       FROM messaging_outbox WHERE event_type = $1 AND payload::jsonb->>'centreId' = ANY($2)`,
      [EventTypes.AnnouncementPublishedV1.type, centreIds],
    );
    const byCentre = new Map(published.map((p) => [p.centreId, p]));
    openings.forEach((o, i) =>
      expect(byCentre.get(o.centreId)).toEqual({
        centreId: o.centreId,
        causationId: results[i].envelope.id,
        correlationId: envelopes[i].correlationId,
      }),
    );
  });

  it('ignores the annual rollover allocations', async () => {
    const opened = coesfeldOpened();
    const envelope = await registry.publish(EventTypes.CentreOpenedV1, opened);
    await ledger.publish(
      EventTypes.FundingAllocatedV1,
      fundingAllocated(opened, 'rollover-2017', { occasion: 'rollover', fiscalYear: 2017 }),
    );
    await ledger.publish(EventTypes.FundingAllocatedV1, fundingAllocated(opened, envelope.id));

    await eventually(() => expect(webhooksAbout(opened.centreId)).toHaveLength(1), { name: 'webhook delivery' });
    expect(await announcementsOf(opened.centreId)).toHaveLength(1);
  });

  it('serves announcements publicly and answers 404 for an unknown one', async () => {
    const list = await call('GET', '/announcements', undefined, null);
    const missing = await call('GET', '/announcements/00000000-0000-4000-8000-000000000000', undefined, null);

    expect(list.status).toBe(200);
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ code: 'NOTIFICATIONS.ANNOUNCEMENT_NOT_FOUND' });
  });
});
