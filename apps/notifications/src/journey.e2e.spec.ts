import { ConsumerGroups, topicName, Topics } from '@ki/contracts';
import {
  createTestDatabase,
  eventually,
  isolatedKafkaEnv,
  processExited,
  runScript,
  ServiceProcess,
  startServiceProcess,
  TestDatabase,
  testInfrastructure,
  testKafka,
  uniqueTopicPrefix,
  waitForGroupToCatchUp,
  waitUntilHealthy,
} from '@ki/testing';
import { Client } from 'pg';
import { verifyWebhook } from './subscriptions/domain/webhook-signature';
import { startSmtpReceiver } from './test-support/smtp-receiver';
import { startWebhookReceiver } from './test-support/webhook-receiver';

const REGISTRY_KEY = 'ki-dev-registry-write-key';
const NOTIFICATIONS_KEY = 'ki-dev-notifications-key';

describe('an opening travels from the registry through the funding ledger to the announcements', () => {
  const databases: Record<string, TestDatabase> = {};
  const services: ServiceProcess[] = [];
  let common: Record<string, string>;
  let webhook: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let smtp: Awaited<ReturnType<typeof startSmtpReceiver>>;

  const service = (name: string) => services.find((s) => s.name === name) as ServiceProcess;
  const call = async (base: string, method: string, route: string, key: string, body?: unknown) => {
    const res = await fetch(`${base}${route}`, {
      method,
      headers: { 'content-type': 'application/json', 'x-api-key': key },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    webhook = await startWebhookReceiver();
    smtp = await startSmtpReceiver();
    for (const name of ['registry', 'ledger', 'notifications']) databases[name] = await createTestDatabase(`journey_${name}`);
    common = { KAFKA_BROKERS: testInfrastructure().kafkaBrokers.join(','), ...isolatedKafkaEnv(uniqueTopicPrefix('journey')) };
    services.push(
      await startServiceProcess('registry', 'apps/registry/src/main.ts', { ...common, DATABASE_URL: databases.registry.url }),
      await startServiceProcess('funding-ledger', 'apps/funding-ledger/src/main.ts', { ...common, DATABASE_URL: databases.ledger.url }),
      await startServiceProcess('notifications', 'apps/notifications/src/main.ts', {
        ...common,
        DATABASE_URL: databases.notifications.url,
        NOTIFICATIONS_FUNDING_WAIT_MS: '120000',
        NOTIFICATIONS_POLL_INTERVAL_MS: '100',
        NOTIFICATIONS_WEBHOOK_ALLOW_LOOPBACK: 'true',
        NOTIFICATIONS_SMTP_URL: smtp.url,
        // The test server speaks no STARTTLS.
        NOTIFICATIONS_SMTP_REQUIRE_TLS: 'false',
      }),
    );
    await waitUntilHealthy(services);
  });

  afterAll(async () => {
    for (const running of services) if (running.child.exitCode === null) running.child.kill('SIGKILL');
    await Promise.all(services.map((s) => processExited(s.child)));
    await webhook.close();
    await smtp.close();
    for (const db of Object.values(databases)) await db.drop();
  });

  it('announces Kreis Coesfeld as the 50th KI with its funding, by webhook, e-mail and feed, exactly once', async () => {
    const notifications = service('notifications').url;
    const subscribed = await call(notifications, 'POST', '/subscriptions', NOTIFICATIONS_KEY, {
      channel: 'webhook',
      url: webhook.url,
      eventKinds: ['opening', 'funding'],
    });
    expect(subscribed.status).toBe(201);
    expect(
      (
        await call(notifications, 'POST', '/subscriptions', NOTIFICATIONS_KEY, {
          channel: 'email',
          email: 'presse@example.org',
          eventKinds: ['opening'],
        })
      ).status,
    ).toBe(201);
    const history = runScript('history import', 'apps/registry/src/history/import-history.cli.ts', {
      ...common,
      DATABASE_URL: databases.registry.url,
    });
    expect({ code: await processExited(history.child), output: history.output.join('') }).toMatchObject({ code: 0 });

    const registry = service('registry').url;
    const centre = await call(registry, 'POST', '/centres', REGISTRY_KEY, {
      hostBodyKey: '05558',
      name: 'Kommunales Integrationszentrum Kreis Coesfeld',
      hostAuthority: 'Kreisverwaltung Coesfeld',
      address: 'Kreishaus, Friedrich-Ebert-Straße 7, 48653 Coesfeld',
      contactEmail: 'ki@example.org',
    });
    expect({ status: centre.status, body: centre.body }).toMatchObject({ status: 201 });
    const opened = await call(registry, 'POST', `/centres/${centre.body.id}/open`, REGISTRY_KEY, {
      openedOn: '2016-02-12',
      place: 'Lüdinghausen',
    });
    expect(opened.body).toMatchObject({ ordinal: 50 });

    const aboutCoesfeld = () =>
      webhook.received.filter((r) => (JSON.parse(r.body) as { data: { hostBodyKey: string } }).data.hostBodyKey === '05558');
    const [delivery] = await eventually(
      () => {
        const found = aboutCoesfeld();
        if (found.length === 0) throw new Error('no announcement about Kreis Coesfeld yet');
        return found;
      },
      { name: 'webhook about Kreis Coesfeld', timeout: 120_000, interval: 250 },
    );
    const payload = JSON.parse(delivery.body) as {
      type: string;
      data: Record<string, unknown> & { text: string; number: string; title: string };
    };
    expect(payload.type).toBe('announcement.opening');
    expect(payload.data).toMatchObject({
      hostBodyName: 'Kreis Coesfeld',
      ordinal: 50,
      openedOn: '2016-02-12',
      place: 'Lüdinghausen',
      fundingStatus: 'allocated',
      grantCents: '15583333',
      teacherPostsHundredths: 200,
    });
    expect(payload.data.title).toBe('50. Kommunales Integrationszentrum in Nordrhein-Westfalen eröffnet: Kreis Coesfeld');
    expect(payload.data.number).toMatch(/^\d+\/2\/2016$/);
    expect(payload.data.text).toContain('155.833,33 €');
    expect(payload.data.text).toContain('2 Lehrerstellen');
    // KOMM-AN NRW part I from February: 11/12 of 200,000 EUR for a Kreis.
    expect(payload.data.text).toContain('Aus dem Landesprogramm KOMM-AN NRW kommen 183.333,33 € hinzu');
    expect(payload.data.text).toContain('wurde das Zentrum für Kreis Coesfeld in Lüdinghausen eröffnet');
    expect(payload.data.text).toContain('Sitz unter der Anschrift Kreishaus, Friedrich-Ebert-Straße 7, 48653 Coesfeld');
    const signed = {
      id: String(delivery.headers['webhook-id']),
      timestamp: String(delivery.headers['webhook-timestamp']),
      signature: String(delivery.headers['webhook-signature']),
    };
    expect(verifyWebhook((subscribed.body as { secret: string }).secret, signed, delivery.body, Math.floor(Date.now() / 1000))).toBe(true);

    const mail = await eventually(
      () => {
        const found = smtp.received.find((m) => m.subject === `Presseinformation ${payload.data.number}: ${payload.data.title}`);
        if (!found) throw new Error('no e-mail about Kreis Coesfeld yet');
        return found;
      },
      { name: 'e-mail about Kreis Coesfeld', timeout: 60_000 },
    );
    expect(mail.text).toContain('155.833,33 €');
    const feed = await (await fetch(`${notifications}/feed.atom`)).text();
    expect(feed).toContain(`Presseinformation ${payload.data.number}: 50. Kommunales Integrationszentrum`);
    // Counted again once both consumer groups have handled everything on their topics.
    const kafka = testKafka();
    const [centres, funding] = [Topics.centres, Topics.funding].map((t) => topicName(t, common.KAFKA_TOPIC_PREFIX));
    await waitForGroupToCatchUp(kafka, `${common.KAFKA_GROUP_ID_PREFIX}${ConsumerGroups.fundingLedger}`, centres);
    await waitForGroupToCatchUp(kafka, `${common.KAFKA_GROUP_ID_PREFIX}${ConsumerGroups.notifications}`, [centres, funding]);
    const announced = (await (await fetch(`${notifications}/announcements?hostBodyKey=05558`)).json()) as unknown[];
    expect(announced).toHaveLength(1);
    expect(aboutCoesfeld()).toHaveLength(1);

    // The 49 openings of the history import were recorded with their funding, and none of them was announced or delivered.
    const db = new Client({ connectionString: databases.notifications.url });
    await db.connect();
    try {
      const count = async (sql: string) => ((await db.query(sql)).rows[0] as { n: number }).n;
      await eventually(async () => expect(await count(`SELECT count(*)::int AS n FROM funding_results`)).toBe(50), {
        name: 'funding results of the 49 historical openings and Coesfeld',
        timeout: 60_000,
      });
      expect(await count(`SELECT count(*)::int AS n FROM openings WHERE historical AND state = 'recorded'`)).toBe(49);
      expect(await count(`SELECT count(*)::int AS n FROM announcements`)).toBe(1);
      expect(await count(`SELECT count(*)::int AS n FROM deliveries`)).toBe(2);
    } finally {
      await db.end();
    }
    expect(webhook.received).toHaveLength(1);
    expect(payload.data.number).toBe('1/2/2016');

    for (const running of services) running.child.kill('SIGTERM');
    expect(await Promise.all(services.map((s) => processExited(s.child)))).toEqual([0, 0, 0]);
  });
});
