import { EventTypes, RegisterCentreV1, topicName, Topics } from '@ki/contracts';
import { EventPublisher, readDeadLetter } from '@ki/messaging';
import { eventually, startTestService, testKafka, TestService, uniqueTopicPrefix } from '@ki/testing';
import { randomUUID } from 'node:crypto';
// The API test runs the real services next to the console in one process; console code never imports them.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { fundingLedgerService } from '../../funding-ledger/src/service';
// eslint-disable-next-line @nx/enforce-module-boundaries
import { notificationsService } from '../../notifications/src/service';
// eslint-disable-next-line @nx/enforce-module-boundaries
import { registryService } from '../../registry/src/service';
import type { JourneyEntry } from './journey/journey';
import type { FlowRow } from './flow/flow';
import type { DeadLetterView, ReplayPreview } from './dead-letters/dead-letters';
import { consoleService } from './service';
import { publishPoisonOpening } from './test-support/poison-opening';

const REGISTRY_WRITER = 'registry-writer-0123456789';
const READER = 'console-reader-0123456789';
const OPERATOR = 'console-operator-0123456789';

interface Journey {
  entries: JourneyEntry[];
  missing: { step: string; overdue: boolean }[];
}

describe('the operator console', () => {
  const topicPrefix = uniqueTopicPrefix('console');
  const services: TestService[] = [];
  let registry: TestService;
  let consoleApp: TestService;

  beforeAll(async () => {
    registry = await startTestService(registryService, {
      topicPrefix,
      env: { REGISTRY_API_KEYS: `ops:${REGISTRY_WRITER}:registry:write` },
    });
    services.push(registry);
    const ledger = await startTestService(fundingLedgerService, { topicPrefix });
    services.push(ledger);
    const notifications = await startTestService(notificationsService, {
      topicPrefix,
      env: { NOTIFICATIONS_FUNDING_WAIT_MS: '600000', NOTIFICATIONS_POLL_INTERVAL_MS: '100' },
    });
    services.push(notifications);
    consoleApp = await startTestService(consoleService, {
      topicPrefix,
      env: {
        CONSOLE_API_KEYS: `reader:${READER}:console:read,operator:${OPERATOR}:console:read+console:replay+console:reveal`,
        CONSOLE_REGISTRY_DATABASE_URL: registry.database.url,
        CONSOLE_LEDGER_DATABASE_URL: ledger.database.url,
        CONSOLE_NOTIFICATIONS_DATABASE_URL: notifications.database.url,
      },
    });
    services.push(consoleApp);
  });

  afterAll(async () => {
    for (const service of services.reverse()) await service.close();
  });

  const call = async <T = Record<string, unknown>>(base: string, method: string, path: string, key: string | null, body?: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(key ? { 'x-api-key': key } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as T };
  };
  const read = async <T>(path: string, key = READER) => {
    const res = await call<T>(consoleApp.url, 'GET', path, key);
    if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const register = async (hostBodyKey: string, name: string) => {
    const res = await call(registry.url, 'POST', '/centres', REGISTRY_WRITER, {
      hostBodyKey,
      name: `Kommunales Integrationszentrum ${name}`,
      hostAuthority: `Kreisverwaltung ${name}`,
      address: `Kreishaus, Hauptstraße 1, 48000 ${name}`,
      contactEmail: 'ki@example.org',
    });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };
  const journeyOf = (q: string) => read<Journey>(`/api/journey?q=${encodeURIComponent(q)}`);
  const step = (journey: Journey, name: string) => journey.entries.find((e) => e.step === name && !e.deadLetteredBy);

  it('refuses reading without a key (401) and replaying with a read-only key (403)', async () => {
    expect((await call(consoleApp.url, 'GET', '/api/flow', null)).status).toBe(401);
    expect((await call(consoleApp.url, 'POST', '/api/dead-letters/0/0/replay', READER, { reason: 'try it' })).status).toBe(403);
  });

  it('reports itself healthy with its database once it reads the topics', async () => {
    const health = await eventually(
      async () => {
        const res = await fetch(`${consoleApp.url}/health`);
        const body = (await res.json()) as { status: string; details: Record<string, unknown> };
        expect({ status: res.status, body }).toMatchObject({ status: 200 });
        return body;
      },
      { name: 'console healthy', timeout: 30_000 },
    );

    expect(Object.keys(health.details).sort()).toEqual(['database', 'index', 'kafka']);
  });

  it('shows Kreis Coesfeld opened through the registry: opened, funding allocated (155,833.33 EUR) and the announcement published', async () => {
    const centreId = await register('05558', 'Coesfeld');
    expect(
      (await call(registry.url, 'POST', `/centres/${centreId}/open`, REGISTRY_WRITER, { openedOn: '2016-02-12', place: 'Lüdinghausen' }))
        .status,
    ).toBe(200);

    const journey = await eventually(
      async () => {
        const j = await journeyOf('05558');
        expect(step(j, 'announced')).toBeDefined();
        return j;
      },
      { name: 'Coesfeld announced', timeout: 60_000, interval: 250 },
    );

    expect(journey.entries.map((e) => e.step)).toEqual(expect.arrayContaining(['registered', 'opened', 'funding', 'announced']));
    expect(step(journey, 'funding')).toMatchObject({
      type: EventTypes.FundingAllocatedV1.type,
      payload: { grantCents: '15583333', hostBodyKey: '05558' },
      summary: expect.stringContaining('155,833.33 EUR'),
    });
    expect(step(journey, 'opened')?.source).toBe('/ki/registry');
    expect(journey.missing).toEqual([]);
  });

  it('shows in the flow that the funding ledger and notifications handled the opening of Kreis Coesfeld', async () => {
    const rows = await eventually(
      async () => {
        const found = await read<FlowRow[]>(`/api/flow?type=${EventTypes.CentreOpenedV1.type}&key=05558`);
        expect(found[0]?.consumers.every((c) => c.status === 'handled')).toBe(true);
        return found;
      },
      { name: 'opening handled by every group', timeout: 30_000, interval: 250 },
    );

    expect(rows[0].consumers).toEqual([
      { group: 'funding-ledger', status: 'handled' },
      { group: 'notifications', status: 'handled' },
    ]);
    expect(rows[0]).toMatchObject({ source: '/ki/registry', hostBodyKey: '05558', correlationId: expect.any(String) });
  });

  it('streams each message as it arrives as a server-sent event', async () => {
    const abort = new AbortController();
    const res = await fetch(`${consoleApp.url}/api/flow/stream`, { headers: { 'x-api-key': READER }, signal: abort.signal });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = (res.body as ReadableStream<Uint8Array>).pipeThrough(new TextDecoderStream()).getReader();
    let received = '';
    const registered = eventually(
      async () => {
        const { value } = await reader.read();
        received += value ?? '';
        const row = received
          .split('\n')
          .filter((line) => line.startsWith('data: '))
          .map((line) => JSON.parse(line.slice(6)) as FlowRow)
          .find((r) => r.type === EventTypes.CentreRegisteredV1.type && r.hostBodyKey === '05154');
        if (!row) throw new Error('registration of Kleve not streamed yet');
        return row;
      },
      { name: 'streamed registration', timeout: 30_000, interval: 0 },
    );

    await register('05154', 'Kleve');

    expect(await registered).toMatchObject({ topic: Topics.centres, source: '/ki/registry', key: '05154' });
    abort.abort();
  });

  it('masks the contact e-mail of a register-centre command unless the key may reveal it', async () => {
    const publisher = new EventPublisher(testKafka(), { source: '/ki/test-tool', topicPrefix });
    const command = Object.assign(new RegisterCentreV1(), {
      hostBodyKey: '05754',
      name: 'Kommunales Integrationszentrum Kreis Gütersloh',
      hostAuthority: 'Kreisverwaltung Gütersloh',
      address: 'Herzebrocker Straße 140, 33334 Gütersloh',
      contactEmail: 'ki-guetersloh@example.org',
    });
    await publisher.publish(EventTypes.RegisterCentreV1, command);
    await publisher.close();

    const path = `/api/flow?type=${EventTypes.RegisterCentreV1.type}&key=05754`;
    const masked = await eventually(
      async () => {
        const [row] = await read<FlowRow[]>(path);
        expect(row?.consumers).toEqual([{ group: 'registry', status: 'handled' }]);
        return row;
      },
      { name: 'register-centre command handled', timeout: 30_000, interval: 250 },
    );
    const [revealed] = await read<FlowRow[]>(path, OPERATOR);

    expect(masked.payload).toMatchObject({ hostBodyKey: '05754', contactEmail: '•••' });
    expect(JSON.stringify(masked)).not.toContain('ki-guetersloh@example.org');
    expect(revealed.payload).toMatchObject({ contactEmail: 'ki-guetersloh@example.org' });
  });

  it('lists a poison opening under dead letters with its reason; a replayed repaired copy completes the journey, and replaying again is a no-op', async () => {
    const centreId = await register('05554', 'Borken');
    const eventId = randomUUID();
    const correlationId = randomUUID();
    const opening = {
      centreId,
      hostBodyKey: '05554',
      territoryKey: '05554',
      hostBodyName: 'Kreis Borken',
      ordinal: 2,
      openedOn: 'soon',
      place: 'Borken',
    };
    await publishPoisonOpening(testKafka(), topicPrefix, { eventId, correlationId, payload: opening });

    const letters = await eventually(
      async () => {
        const found = await read<DeadLetterView[]>(
          `/api/dead-letters?type=${EventTypes.CentreOpenedV1.type}&reason=CONTRACT.INVALID_PAYLOAD`,
        );
        const ofPoison = found.filter((l) => l.id === eventId);
        expect(ofPoison.map((l) => l.consumerGroup).sort()).toEqual(['funding-ledger', 'notifications']);
        return ofPoison;
      },
      { name: 'poison dead-lettered by both groups', timeout: 30_000, interval: 250 },
    );
    const ledgerLetter = letters.find((l) => l.consumerGroup === 'funding-ledger') as DeadLetterView;
    const preview = await read<DeadLetterView & { replay: ReplayPreview }>(
      `/api/dead-letters/${ledgerLetter.partition}/${ledgerLetter.offset}`,
    );
    const flowRow = (await read<FlowRow[]>(`/api/flow?correlationId=${correlationId}&type=${EventTypes.CentreOpenedV1.type}`)).find(
      (row) => !row.deadLetter,
    ) as FlowRow;

    expect(ledgerLetter).toMatchObject({
      correlationId,
      errorCode: 'CONTRACT.INVALID_PAYLOAD',
      error: expect.stringContaining('openedOn'),
    });
    expect(ledgerLetter.payload).toMatchObject({ openedOn: 'soon' });
    expect(preview.replay).toEqual({ consumerGroup: 'funding-ledger', alreadyHandledBy: [], noop: false });
    expect(flowRow.consumers.map((c) => c.status)).toEqual(['dead-lettered', 'dead-lettered']);

    const stillBroken = await call(
      consoleApp.url,
      'POST',
      `/api/dead-letters/${ledgerLetter.partition}/${ledgerLetter.offset}/replay`,
      OPERATOR,
      {
        reason: 'a repair that is no repair',
        payload: { ...opening, openedOn: 'later' },
      },
    );
    expect(stillBroken).toMatchObject({
      status: 400,
      body: { code: 'CONTRACT.INVALID_PAYLOAD', message: expect.arrayContaining([expect.stringMatching(/^payload\.openedOn: /)]) },
    });

    const replayed = await call(
      consoleApp.url,
      'POST',
      `/api/dead-letters/${ledgerLetter.partition}/${ledgerLetter.offset}/replay`,
      OPERATOR,
      {
        reason: 'openedOn repaired after asking the Kreis: 1 March 2016',
        payload: { ...opening, openedOn: '2016-03-01' },
      },
    );
    expect(replayed).toMatchObject({ status: 201, body: { eventId, replayedBy: 'operator', noop: false } });

    const journey = await eventually(
      async () => {
        const j = await journeyOf(correlationId);
        expect(step(j, 'announced')).toBeDefined();
        return j;
      },
      { name: 'Borken announced after the replay', timeout: 60_000, interval: 250 },
    );
    expect(step(journey, 'opened')?.payload).toMatchObject({ openedOn: '2016-03-01' });
    expect(step(journey, 'funding')?.type).toBe(EventTypes.FundingAllocatedV1.type);
    const notificationsLetter = letters.find((l) => l.consumerGroup === 'notifications') as DeadLetterView;
    const second = await eventually(
      async () => {
        const d = await read<{ replay: ReplayPreview }>(`/api/dead-letters/${notificationsLetter.partition}/${notificationsLetter.offset}`);
        expect(d.replay.noop).toBe(true);
        return d;
      },
      { name: 'second replay shown as no-op', timeout: 15_000 },
    );
    expect(second.replay.alreadyHandledBy.sort()).toEqual(['funding-ledger', 'notifications']);
  });

  it('lists lag per consumer group and partition and the catalogue with consumers and live rates', async () => {
    const { partitions } = await read<{ partitions: { group: string; topic: string; lag: number; stalled: boolean }[] }>('/api/consumers');
    const catalogue = await read<{ types: { type: string; consumers: string[]; ratePerMinute: number }[]; asyncapi: { asyncapi: string } }>(
      '/api/catalogue',
    );

    expect(partitions.filter((p) => p.group === 'funding-ledger' && p.topic === Topics.centres)).toHaveLength(3);
    expect(partitions.every((p) => typeof p.lag === 'number' && typeof p.stalled === 'boolean')).toBe(true);
    expect(catalogue.asyncapi.asyncapi).toMatch(/^3\./);
    expect(catalogue.types.find((t) => t.type === EventTypes.CentreOpenedV1.type)).toMatchObject({
      consumers: ['funding-ledger', 'notifications'],
      ratePerMinute: expect.any(Number),
    });
    expect(catalogue.types.find((t) => t.type === EventTypes.CentreOpenedV1.type)?.ratePerMinute).toBeGreaterThan(0);
  });

  it('lists a dead letter sent twice (a consumer crashed between sending it and committing) once, and shows it once in the journey', async () => {
    const centreId = await register('05370', 'Heinsberg');
    const eventId = randomUUID();
    const correlationId = randomUUID();
    const payload = {
      centreId,
      hostBodyKey: '05370',
      territoryKey: '05370',
      hostBodyName: 'Kreis Heinsberg',
      ordinal: 3,
      openedOn: 'never',
      place: 'Heinsberg',
    };
    await publishPoisonOpening(testKafka(), topicPrefix, { eventId, correlationId, payload });
    const first = await eventually(
      async () => {
        const found = (await read<DeadLetterView[]>(`/api/dead-letters?consumerGroup=funding-ledger`)).find((l) => l.id === eventId);
        if (!found) throw new Error('not dead-lettered yet');
        return found;
      },
      { name: 'poison dead-lettered', timeout: 30_000, interval: 250 },
    );

    // The same dead letter once more, as the consumer sends it again after a restart.
    const copy = await readDeadLetter(testKafka(), first.partition, first.offset, topicPrefix);
    if (!copy) throw new Error('dead letter not readable');
    const producer = testKafka().producer();
    await producer.connect();
    await producer.send({
      topic: topicName(Topics.deadLetters, topicPrefix),
      messages: [{ key: copy.key, value: copy.value, headers: copy.headers }],
    });
    await producer.disconnect();
    await eventually(
      async () => {
        const rows = await read<FlowRow[]>(`/api/flow?correlationId=${correlationId}&limit=50`);
        expect(rows.filter((r) => r.deadLetter?.consumerGroup === 'funding-ledger')).toHaveLength(2);
        expect(rows.filter((r) => r.deadLetter?.consumerGroup === 'notifications')).toHaveLength(1);
      },
      { name: 'the copy in the console', timeout: 30_000, interval: 250 },
    );

    const listed = (await read<DeadLetterView[]>(`/api/dead-letters`)).filter((l) => l.id === eventId);
    expect(listed.map((l) => l.consumerGroup).sort()).toEqual(['funding-ledger', 'notifications']);
    expect(listed.find((l) => l.consumerGroup === 'funding-ledger')).toMatchObject({ partition: first.partition, offset: first.offset });
    const journey = await journeyOf(correlationId);
    expect(
      journey.entries
        .filter((e) => e.deadLetteredBy)
        .map((e) => e.deadLetteredBy)
        .sort(),
    ).toEqual(['funding-ledger', 'notifications']);
  });
});
