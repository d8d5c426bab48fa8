import { EventTypes } from '@ki/contracts';
import {
  coesfeldOpened,
  createTestDatabase,
  eventually,
  isolatedKafkaEnv,
  processExited,
  repoRoot,
  ServiceProcess,
  startServiceProcess,
  TestDatabase,
  testInfrastructure,
  testKafka,
  uniqueTopicPrefix,
  waitUntilHealthy,
} from '@ki/testing';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BrowserContext, chromium, Page } from 'playwright-core';
import { publishPoisonOpening } from './test-support/poison-opening';

const REGISTRY_KEY = 'ki-dev-registry-write-key';
const CONSOLE_KEY = 'ki-dev-console-key';
const screenshots = path.join(repoRoot, '.local', 'screenshots');

describe('the console page in a browser', () => {
  const databases: Record<string, TestDatabase> = {};
  const services: ServiceProcess[] = [];
  const topicPrefix = uniqueTopicPrefix('console-e2e');
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ki-console-chromium-'));
  let browser: BrowserContext;
  let page: Page;

  const url = (name: string) => (services.find((s) => s.name === name) as ServiceProcess).url;
  const start = async (name: string, script: string, env: Record<string, string>) =>
    services.push(
      await startServiceProcess(name, script, {
        KAFKA_BROKERS: testInfrastructure().kafkaBrokers.join(','),
        ...isolatedKafkaEnv(topicPrefix),
        ...env,
      }),
    );

  beforeAll(async () => {
    for (const name of ['registry', 'ledger', 'notifications', 'console'])
      databases[name] = await createTestDatabase(`console_e2e_${name}`);
    await start('registry', 'apps/registry/src/main.ts', { DATABASE_URL: databases.registry.url });
    await start('funding-ledger', 'apps/funding-ledger/src/main.ts', { DATABASE_URL: databases.ledger.url });
    await start('notifications', 'apps/notifications/src/main.ts', {
      DATABASE_URL: databases.notifications.url,
      NOTIFICATIONS_FUNDING_WAIT_MS: '600000',
      NOTIFICATIONS_POLL_INTERVAL_MS: '100',
    });
    await start('console', 'apps/console/src/main.ts', {
      DATABASE_URL: databases.console.url,
      CONSOLE_REGISTRY_DATABASE_URL: databases.registry.url,
      CONSOLE_LEDGER_DATABASE_URL: databases.ledger.url,
      CONSOLE_NOTIFICATIONS_DATABASE_URL: databases.notifications.url,
    });
    await waitUntilHealthy(services);
    // A fresh profile of its own (the --user-data-dir of this run).
    browser = await chromium.launchPersistentContext(userDataDir, {
      executablePath: '/usr/bin/chromium',
      viewport: { width: 1400, height: 900 },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = browser.pages()[0] ?? (await browser.newPage());
    fs.mkdirSync(screenshots, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    for (const running of services) if (running.child.exitCode === null) running.child.kill('SIGTERM');
    await Promise.all(services.map((s) => processExited(s.child)));
    for (const db of Object.values(databases)) await db.drop();
    fs.rmSync(userDataDir, { recursive: true, force: true });
  });

  const registryCall = async (route: string, body: unknown) => {
    const res = await fetch(`${url('registry')}${route}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': REGISTRY_KEY },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('shows the journey of a centre opened through the API with its funding and announcement, a poison event under dead letters, and the journey completed by replaying a repaired copy', async () => {
    const centre = await registryCall('/centres', {
      hostBodyKey: '05558',
      name: 'Kommunales Integrationszentrum Kreis Coesfeld',
      hostAuthority: 'Kreisverwaltung Coesfeld',
      address: 'Kreishaus, Friedrich-Ebert-Straße 7, 48653 Coesfeld',
      contactEmail: 'ki@example.org',
    });
    expect(centre.status).toBe(201);
    expect((await registryCall(`/centres/${centre.body.id}/open`, { openedOn: '2016-02-12', place: 'Lüdinghausen' })).status).toBe(200);
    const poisonId = randomUUID();
    await publishPoisonOpening(testKafka(), topicPrefix, {
      eventId: poisonId,
      correlationId: randomUUID(),
      payload: {
        ...coesfeldOpened(),
        hostBodyKey: '05554',
        territoryKey: '05554',
        hostBodyName: 'Kreis Borken',
        ordinal: 2,
        openedOn: 'soon',
      },
    });

    await page.goto(url('console'));
    await page.getByLabel('Operator key').fill(CONSOLE_KEY);
    await page.getByRole('button', { name: 'Use key' }).click();
    await page.getByRole('cell', { name: EventTypes.CentreOpenedV1.type }).first().waitFor({ timeout: 60_000 });
    await page.screenshot({ path: path.join(screenshots, 'console-flow.png'), fullPage: true });

    await page.getByRole('button', { name: 'Journey' }).click();
    await page.getByLabel('Host-body key or correlation id').fill('05558');
    const timeline = page.getByRole('list', { name: 'Timeline' });
    await eventually(
      async () => {
        await page.getByRole('button', { name: 'Show journey' }).click();
        await timeline
          .getByText(/announcement .* published/)
          .first()
          .waitFor({ timeout: 1000 });
      },
      { name: 'announcement in the journey page', timeout: 60_000, interval: 500 },
    );
    await expect(timeline.getByText(/grant 155,833\.33 EUR/).count()).resolves.toBe(1);
    await page.screenshot({ path: path.join(screenshots, 'console-journey.png'), fullPage: true });

    await page.getByRole('button', { name: 'Dead letters' }).click();
    const open = page.getByRole('button', { name: `Open dead letter ${poisonId}` }).first();
    await eventually(
      async () => {
        await page.getByRole('button', { name: 'Filter' }).click();
        await open.waitFor({ timeout: 1000 });
      },
      { name: 'poison event under dead letters', timeout: 60_000, interval: 500 },
    );
    await open.click();
    const deadLetters = page.getByRole('region', { name: 'Dead letters' });
    await deadLetters
      .getByText(/CONTRACT\.INVALID_PAYLOAD: .*openedOn/)
      .first()
      .waitFor();
    await page.getByRole('region', { name: 'Dead letter', exact: true }).waitFor();
    await expect(page.locator('#dl-payload').textContent()).resolves.toContain('"openedOn": "soon"');
    await expect(page.locator('#dl-preview').textContent()).resolves.toContain('sends it back to');
    await page.screenshot({ path: path.join(screenshots, 'console-dead-letters.png'), fullPage: true });

    // Repair the date, replay the copy, and follow Kreis Borken's journey to its announcement.
    const repaired = { ...JSON.parse((await page.locator('#dl-payload').textContent()) ?? '{}'), openedOn: '2016-06-28' };
    await page.getByLabel('Reason for the replay (required)').fill('openedOn repaired: Kreis Borken opened on 28 June 2016');
    await page.getByLabel('Repaired payload (JSON, optional)').fill(JSON.stringify(repaired));
    await page.getByRole('button', { name: 'Replay', exact: true }).click();
    await page.getByRole('button', { name: 'Journey' }).click();
    await page.getByLabel('Host-body key or correlation id').fill('05554');
    await eventually(
      async () => {
        await page.getByRole('button', { name: 'Show journey' }).click();
        // The console reads each topic on its own: the announcement may show before the allocation.
        await timeline
          .getByText(/announcement .* published/)
          .first()
          .waitFor({ timeout: 1000 });
        await timeline
          .getByText(/grant 99,166\.67 EUR/)
          .first()
          .waitFor({ timeout: 1000 });
      },
      { name: "Kreis Borken's journey complete after the replay", timeout: 60_000, interval: 500 },
    );
    await expect(timeline.getByText(/grant 99,166\.67 EUR/).count()).resolves.toBe(1);
    await page.screenshot({ path: path.join(screenshots, 'console-journey-after-replay.png'), fullPage: true });

    expect(
      ['console-flow.png', 'console-journey.png', 'console-dead-letters.png'].every((f) => fs.existsSync(path.join(screenshots, f))),
    ).toBe(true);
  });
});
