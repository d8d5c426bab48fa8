import { EventTypes, topicName, Topics } from '@ki/contracts';
import {
  coesfeldOpened,
  collectMessages,
  eventually,
  BrowserStack,
  repoRoot,
  startBrowserStack,
  testKafka,
  uniqueTopicPrefix,
} from '@ki/testing';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { publishPoisonOpening } from './test-support/poison-opening';

const REGISTRY_KEY = 'ki-dev-registry-write-key';
const CONSOLE_KEY = 'ki-dev-console-key';
// The README shows these pictures.
// The README's pictures are refreshed only when asked (KI_UPDATE_SCREENSHOTS=1), so a test run leaves the tree clean.
const screenshots = path.join(repoRoot, ...(process.env.KI_UPDATE_SCREENSHOTS === '1' ? ['docs'] : ['.local']), 'screenshots');

describe('the console pictures and operations in a browser', () => {
  const topicPrefix = uniqueTopicPrefix('console-ops-e2e');
  const foreignTopic = `${topicPrefix}foreign.exports`;
  const foreignGroup = `${topicPrefix}foreign-exporter`;
  const kafka = testKafka();
  let stack: BrowserStack;
  let page: Page;
  const url = (name: Parameters<BrowserStack['url']>[0]) => stack.url(name);

  beforeAll(async () => {
    stack = await startBrowserStack(topicPrefix, 'console_ops_e2e', { CONSOLE_SAMPLE_INTERVAL_MS: '1000' });
    page = stack.page;
    fs.mkdirSync(screenshots, { recursive: true });
    await page.goto(url('console'));
    await page.getByLabel('Operator key').fill(CONSOLE_KEY);
    await page.getByRole('button', { name: 'Use key' }).click();
  });

  afterAll(() => stack?.stop());

  const registryCall = async (route: string, body: unknown) => {
    const res = await fetch(`${url('registry')}${route}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': REGISTRY_KEY },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const poison = () =>
    publishPoisonOpening(kafka, topicPrefix, {
      eventId: randomUUID(),
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

  it('draws the topology with rates, the ledger red while it dead-letters a poison opening, and rate and lag charts', async () => {
    const centre = await registryCall('/centres', {
      hostBodyKey: '05558',
      name: 'Kommunales Integrationszentrum Kreis Coesfeld',
      hostAuthority: 'Kreisverwaltung Coesfeld',
      address: 'Kreishaus, Friedrich-Ebert-Straße 7, 48653 Coesfeld',
      contactEmail: 'ki@example.org',
    });
    expect(centre.status).toBe(201);
    expect((await registryCall(`/centres/${centre.body.id}/open`, { openedOn: '2016-02-12', place: 'Lüdinghausen' })).status).toBe(200);
    await poison();

    await page.getByRole('button', { name: 'Topology' }).click();
    const ledgerReadsCentres = page.locator(
      `#topology-graph g.edge[data-from="topic:${Topics.centres}"][data-to="consumer:funding-ledger"]`,
    );
    await eventually(async () => expect(await ledgerReadsCentres.getAttribute('data-state', { timeout: 1000 })).toBe('failing'), {
      name: 'the ledger red in the picture',
      timeout: 60_000,
      interval: 500,
    });
    await expect(page.locator('#topology-graph g.node.red[data-node="consumer:funding-ledger"]').count()).resolves.toBe(1);
    await expect(
      page.locator(`#topology-graph g.edge[data-from="producer:registry"][data-to="topic:${Topics.centres}"] text`).textContent(),
    ).resolves.toMatch(/^[1-9][\d.]*\/min$/);
    await expect(page.locator('#topology-graph g.node.undeclared[data-node="producer:test-tool"]').count()).resolves.toBe(1);
    await page.getByRole('img', { name: new RegExp(`^${Topics.centres.replace(/\./g, '\\.')}: `) }).waitFor({ timeout: 30_000 });
    await page.getByRole('img', { name: /^funding-ledger lag: / }).waitFor({ timeout: 30_000 });
    await page.screenshot({ path: path.join(screenshots, 'console-topology.png'), fullPage: true });
  });

  it("shows Kreis Coesfeld's journey as a timeline: each hop with how long it took, up to the announcement", async () => {
    await page.getByRole('button', { name: 'Journey' }).click();
    await page.getByLabel('Host-body key or correlation id').fill('05558');
    const timeline = page.locator('#journey-timeline svg');
    await eventually(
      async () => {
        await page.getByRole('button', { name: 'Show journey' }).click();
        await timeline.locator('g.hop[data-step="announced"]').waitFor({ timeout: 1000 });
        await timeline.locator('g.hop[data-step="funding"]').waitFor({ timeout: 1000 });
      },
      { name: 'announcement in the timeline', timeout: 60_000, interval: 500 },
    );

    const steps = await timeline.locator('g.hop').evaluateAll((hops) => hops.map((g) => g.getAttribute('data-step')));
    expect(steps.slice(0, 2)).toEqual(['registered', 'opened']);
    expect(steps).toEqual(expect.arrayContaining(['funding', 'announced']));
    const durations = await timeline.locator('g.hop .hop-duration').allTextContents();
    expect(durations.length).toBe(steps.length - 1);
    expect(durations.every((d) => /^\+\d/.test(d))).toBe(true);
    await expect(page.getByRole('img', { name: 'Journey of 05558: how long each hop took and where it waits' }).count()).resolves.toBe(1);
    await page.screenshot({ path: path.join(screenshots, 'console-journey-timeline.png'), fullPage: true });
  });

  it('resets an empty group of another tool: the preview shows current → new, then the reset moves the offsets', async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic: foreignTopic, numPartitions: 2 }], waitForLeaders: true });
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({ topic: foreignTopic, messages: [0, 0, 0, 1, 1].map((partition, i) => ({ partition, value: `row ${i}` })) });
      await producer.disconnect();
      await admin.setOffsets({
        groupId: foreignGroup,
        topic: foreignTopic,
        partitions: [
          { partition: 0, offset: '3' },
          { partition: 1, offset: '2' },
        ],
      });

      await page.getByRole('button', { name: 'Groups' }).click();
      await page.locator(`#group-rows tr[data-group="${foreignGroup}"]`).waitFor({ timeout: 30_000 });
      await page.getByLabel('Group', { exact: true }).fill(foreignGroup);
      await page.getByLabel('to', { exact: true }).selectOption('earliest');
      await page.getByLabel('Reason (required)').fill('export every row again');
      expect(await page.getByRole('button', { name: 'Reset offsets' }).isDisabled()).toBe(true);
      await page.getByRole('button', { name: 'Preview reset' }).click();
      const preview = page.getByRole('table', { name: 'Current → new offset per partition' });
      await preview.getByRole('row').nth(2).waitFor();
      expect(await preview.locator('tbody tr').evaluateAll((rows) => rows.map((r) => [...r.children].map((c) => c.textContent)))).toEqual([
        [foreignTopic, '0', '3', '0'],
        [foreignTopic, '1', '2', '0'],
      ]);
      const [before] = await admin.fetchOffsets({ groupId: foreignGroup, topics: [foreignTopic] });
      expect(before.partitions.map((p) => p.offset).sort()).toEqual(['2', '3']);
      await page.screenshot({ path: path.join(screenshots, 'console-group-reset.png'), fullPage: true });

      await page.getByRole('button', { name: 'Reset offsets' }).click();
      await page.getByText(`reset ${foreignGroup}: 2 partition(s) moved`).waitFor();

      const [after] = await admin.fetchOffsets({ groupId: foreignGroup, topics: [foreignTopic] });
      expect(after.partitions.map((p) => p.offset)).toEqual(['0', '0']);
    } finally {
      await admin.disconnect();
    }
  });

  it('previews a bulk replay of every invalid opening, then replays them as one batch recorded on the operations topic', async () => {
    await poison();
    const operations = await collectMessages(kafka, topicName(Topics.operations, topicPrefix));
    try {
      await page.getByRole('button', { name: 'Dead letters' }).click();
      await page.getByLabel('Reason code').fill('CONTRACT.INVALID_PAYLOAD');
      await page.getByLabel('Consumer group', { exact: true }).last().fill('funding-ledger');
      const result = page.locator('#bulk-replay-result');
      await eventually(
        async () => {
          await page.getByRole('button', { name: 'Preview batch' }).click();
          await expect(result.textContent({ timeout: 1000 })).resolves.toMatch(/^2 matching: would send 2, 0 already handled/);
        },
        { name: 'two dead letters of the ledger', timeout: 60_000, interval: 500 },
      );
      await page.screenshot({ path: path.join(screenshots, 'console-bulk-replay.png'), fullPage: true });

      await page.getByLabel('Reason for the replay', { exact: true }).fill('the ledger accepts the old date format again');
      await page.getByRole('button', { name: 'Replay batch' }).click();
      await expect(result.getByText(/^2 matching: sent 2, 0 already handled .*Batch [0-9a-f-]{36}$/).waitFor()).resolves.toBeUndefined();

      const batch = await eventually(
        () => {
          const found = operations.messages.find((m) => m.headers.ce_type === EventTypes.DeadLettersReplayedV1.type);
          if (!found) throw new Error('no batch recorded yet');
          return JSON.parse(found.value ?? '{}');
        },
        { name: 'the batch on the operations topic', timeout: 30_000 },
      );
      expect(batch).toMatchObject({
        reason: 'CONTRACT.INVALID_PAYLOAD',
        consumerGroup: 'funding-ledger',
        replayed: 2,
        replayedBy: 'development',
      });
    } finally {
      await operations.stop();
    }
  });
});
