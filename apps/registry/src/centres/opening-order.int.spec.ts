import { Topics } from '@ki/contracts';
import { collectMessages, eventually, startTestService, testKafka, TestService } from '@ki/testing';
import { DataSource } from 'typeorm';
import { importHistory } from '../history/import-history';
import { registryService } from '../service';
import { OpenCentreHandler } from './open-centre/open-centre.handler';
import { RegisterCentreHandler } from './register-centre/register-centre.handler';

const WRITER = 'writer-key-0123456789abcdef';

describe('opening dates and ordinals', () => {
  let registry: TestService;

  beforeAll(async () => {
    registry = await startTestService(registryService, { env: { REGISTRY_API_KEYS: `ops:${WRITER}:registry:write` } });
    await importHistory(registry.app.get(DataSource), registry.app.get(RegisterCentreHandler), registry.app.get(OpenCentreHandler));
  });

  afterAll(() => registry.close());

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${registry.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', 'x-api-key': WRITER },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const register = async (hostBodyKey: string, address = 'Kreishaus') =>
    String(
      (
        await call('POST', '/centres', {
          hostBodyKey,
          name: `Kommunales Integrationszentrum ${hostBodyKey}`,
          hostAuthority: 'Kreisverwaltung',
          address,
          contactEmail: 'ki@example.org',
        })
      ).body.id,
    );
  const lastOrdinal = async () => (await registry.app.get(DataSource).query(`SELECT last FROM opening_ordinals`))[0].last as number;

  it('refuses an opening dated in the future with 422 naming the rule, and gives no ordinal', async () => {
    const viersen = await register('05166');
    const before = await lastOrdinal();
    const tomorrow = new Date(Date.now() + 2 * 24 * 3600 * 1000).toISOString().slice(0, 10);

    const refused = await call('POST', `/centres/${viersen}/open`, { openedOn: tomorrow, place: 'Viersen' });

    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ code: 'REGISTRY.OPENING_IN_FUTURE', openedOn: tomorrow });
    expect(String(refused.body.message)).toContain('in the future');
    expect(await lastOrdinal()).toBe(before);
    expect((await call('GET', `/centres/${viersen}`)).body).toMatchObject({ status: 'registered', ordinal: null });
  });

  it('refuses Borken (2016-06-28) after Steinfurt (2016-06-29) was opened first, with 409 naming the latest opening', async () => {
    const coesfeld = await register('05558', 'Friedrich-Ebert-Straße 7, 48653 Coesfeld');
    expect((await call('POST', `/centres/${coesfeld}/open`, { openedOn: '2016-02-12', place: 'Lüdinghausen' })).body.ordinal).toBe(50);
    const steinfurt = await register('05566');
    const borken = await register('05554');

    const first = await call('POST', `/centres/${steinfurt}/open`, { openedOn: '2016-06-29', place: 'Steinfurt' });
    const refused = await call('POST', `/centres/${borken}/open`, { openedOn: '2016-06-28', place: 'Borken' });

    expect(first.body).toMatchObject({ status: 'open', ordinal: 51 });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({
      code: 'REGISTRY.OPENING_BEFORE_LATEST',
      openedOn: '2016-06-28',
      latestOpenedOn: '2016-06-29',
      latestOrdinal: 51,
    });
    expect(String(refused.body.message)).toContain('51. Kreis Steinfurt');
    expect((await call('GET', `/centres/${borken}`)).body).toMatchObject({ status: 'registered', ordinal: null });
    expect(await lastOrdinal()).toBe(51);
  });

  it('opens a centre after its predecessor closed as a new KI with a new ordinal, naming the previous one in the event', async () => {
    const centres = await collectMessages(testKafka(), `${registry.config.kafka.topicPrefix}${Topics.centres}`);
    const [olpe] = (await registry.app.get(DataSource).query(`SELECT id FROM centres WHERE host_body_key = '05966'`)) as { id: string }[];
    await call('POST', `/centres/${olpe.id}/close`, { closedOn: '2016-06-30', reason: 'Neuaufstellung des Trägers' });
    const successor = await register('05966', 'Westfälische Straße 75, 57462 Olpe');

    const reopened = await call('POST', `/centres/${successor}/open`, { openedOn: '2016-07-01', place: 'Olpe' });

    expect(reopened.body).toMatchObject({ status: 'open', ordinal: 52, openingDateStatus: 'documented', recordedLater: false });
    const event = await eventually(() => {
      const found = centres.messages.find((m) => m.headers.ce_type === 'ki.registry.centre-opened.v1' && m.value?.includes(successor));
      if (!found) throw new Error('centre-opened of the successor not published yet');
      return JSON.parse(found.value ?? '{}');
    });
    expect(event).toMatchObject({
      ordinal: 52,
      previousOrdinal: 49,
      previousClosedOn: '2016-06-30',
      seat: 'Westfälische Straße 75, 57462 Olpe',
    });
    expect(event.historical).toBeUndefined();
    await centres.stop();
  });
});
