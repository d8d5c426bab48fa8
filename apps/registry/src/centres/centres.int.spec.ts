import { EventTypes, RegisterCentreV1, Topics } from '@ki/contracts';
import { encodeEvent, EventPublisher } from '@ki/messaging';
import { collectMessages, eventually, startTestService, testKafka, TestService } from '@ki/testing';
import { bodyHash, IdempotencyInterceptor } from '@ki/platform';
import { DataSource } from 'typeorm';
import { importHistory } from '../history/import-history';
import { registryService } from '../service';
import { OpenCentreHandler } from './open-centre/open-centre.handler';
import { RegisterCentreHandler } from './register-centre/register-centre.handler';

const WRITER = 'writer-key-0123456789abcdef';
const READER = 'reader-key-0123456789abcdef';

describe('the registry', () => {
  let registry: TestService;
  const logs: string[] = [];

  beforeAll(async () => {
    registry = await startTestService(registryService, {
      env: { REGISTRY_API_KEYS: `ops:${WRITER}:registry:write,viewer:${READER}:registry:read`, LOG_LEVEL: 'info' },
      logSink: (line) => logs.push(line),
    });
  });

  afterAll(() => registry.close());

  const call = (method: string, path: string, body?: unknown, key: string | null = WRITER) =>
    fetch(`${registry.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(key ? { 'x-api-key': key } : {}) },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
  const json = async (res: Response) => (await res.json()) as Record<string, unknown> & { message?: string[] };

  const registration = (hostBodyKey: string) => ({
    hostBodyKey,
    name: `Kommunales Integrationszentrum ${hostBodyKey}`,
    hostAuthority: 'Kreisverwaltung',
    address: 'Kreishaus, Friedrich-Ebert-Straße 7, 48653 Coesfeld',
    contactEmail: 'ki@example.org',
  });

  it('after the history import, opens Kreis Coesfeld on 12 February 2016 as the 50th centre', async () => {
    const centres = await collectMessages(testKafka(), `${registry.config.kafka.topicPrefix}${Topics.centres}`);
    const imported = await importHistory(
      registry.app.get(DataSource),
      registry.app.get(RegisterCentreHandler),
      registry.app.get(OpenCentreHandler),
    );
    const again = await importHistory(
      registry.app.get(DataSource),
      registry.app.get(RegisterCentreHandler),
      registry.app.get(OpenCentreHandler),
    );

    const created = await json(await call('POST', '/centres', registration('05558')));
    const opened = await call('POST', `/centres/${created.id}/open`, { openedOn: '2016-02-12', place: 'Lüdinghausen' });
    const coverage = await json(await call('GET', '/coverage?asOf=2016-02-12'));

    expect(imported).toEqual({ opened: 49, skipped: 0 });
    expect(again).toEqual({ opened: 0, skipped: 49 });
    expect(opened.status).toBe(200);
    expect(await json(opened)).toMatchObject({ status: 'open', ordinal: 50, openedOn: '2016-02-12', openingPlace: 'Lüdinghausen' });
    expect(coverage).toEqual({
      asOf: '2016-02-12',
      centresOpen: 50,
      territoriesCovered: 49,
      territoriesTotal: 53,
      territoriesWithoutCentre: [
        { key: '05154', name: 'Kleve' },
        { key: '05166', name: 'Viersen' },
        { key: '05554', name: 'Borken' },
        { key: '05566', name: 'Steinfurt' },
      ],
    });
    const event = await eventually(() => {
      const found = centres.messages.find((m) => m.headers.ce_type === 'ki.registry.centre-opened.v1' && m.key === '05558');
      if (!found) throw new Error('centre-opened of Coesfeld not published yet');
      return found;
    });
    expect(JSON.parse(event.value ?? '{}')).toMatchObject({
      hostBodyName: 'Kreis Coesfeld',
      ordinal: 50,
      openedOn: '2016-02-12',
      place: 'Lüdinghausen',
    });
    const history = (await (await call('GET', `/centres/${created.id}/history`)).json()) as { eventType: string }[];
    expect(history.map((h) => h.eventType)).toEqual(['ki.registry.centre-registered.v1', 'ki.registry.centre-opened.v1']);
    await centres.stop();
  });

  const registerWithKey = (idempotencyKey: string, body: object) =>
    fetch(`${registry.url}/centres`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': WRITER, 'idempotency-key': idempotencyKey },
      body: JSON.stringify(body),
    });
  /** Closes the host body's open centre, if the history import opened one, so it can be registered again. */
  const closeOpenCentre = (hostBodyKey: string) =>
    registry.app
      .get(DataSource)
      .query(`UPDATE centres SET status = 'closed', closed_on = '2016-01-01' WHERE host_body_key = $1 AND status = 'open'`, [hostBodyKey]);

  it('answers 409 with Retry-After while a request with the same Idempotency-Key is unanswered, and takes over a claim its process abandoned', async () => {
    // What a registry killed mid-request leaves behind: the key claimed, no answer stored.
    const body = registration('05766');
    const claimAbandoned = (secondsAgo: number) =>
      registry.app
        .get(DataSource)
        .query(
          `INSERT INTO http_idempotency (key, scope, body_hash, created_at) VALUES ('register-05766', 'POST /centres ops', $1, now() - make_interval(secs => $2))`,
          [bodyHash(body), secondsAgo],
        );
    await closeOpenCentre('05766');

    await claimAbandoned(IdempotencyInterceptor.CLAIM_TIMEOUT_SECONDS - 10);
    const whileRunning = await registerWithKey('register-05766', body);
    expect(whileRunning.status).toBe(409);
    expect((await json(whileRunning)).message).toBe('a request with this Idempotency-Key is still being processed');
    expect(Number(whileRunning.headers.get('retry-after'))).toBeGreaterThanOrEqual(9);
    expect(Number(whileRunning.headers.get('retry-after'))).toBeLessThanOrEqual(11);

    await registry.app.get(DataSource).query(`DELETE FROM http_idempotency WHERE key = 'register-05766'`);
    await claimAbandoned(IdempotencyInterceptor.CLAIM_TIMEOUT_SECONDS + 1);
    const other = await registerWithKey('register-05766', { ...body, name: 'Another name for the centre' });
    expect(other.status).toBe(422);
    const takenOver = await registerWithKey('register-05766', body);
    const replayed = await registerWithKey('register-05766', body);

    expect(takenOver.status).toBe(201);
    expect(takenOver.headers.get('idempotent-replayed')).toBeNull();
    expect(replayed.status).toBe(201);
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');
    expect((await json(replayed)).id).toBe((await json(takenOver)).id);
  });

  it('answers a repeated POST with the same Idempotency-Key and body with the first response, and 422 for another body', async () => {
    await closeOpenCentre('05770');

    const first = await registerWithKey('register-05770-once', registration('05770'));
    const repeat = await registerWithKey('register-05770-once', registration('05770'));
    const other = await registerWithKey('register-05770-once', { ...registration('05770'), name: 'Another name for the centre' });

    expect(first.status).toBe(201);
    expect(repeat.status).toBe(201);
    expect(repeat.headers.get('idempotent-replayed')).toBe('true');
    expect((await json(repeat)).id).toBe((await json(first)).id);
    expect(other.status).toBe(422);
  });

  it('refuses a second active centre for a host body with 409 naming the existing centre', async () => {
    const first = await json(await call('POST', '/centres', registration('05554')));

    const second = await call('POST', '/centres', registration('05554'));

    expect(second.status).toBe(409);
    expect(await json(second)).toMatchObject({ code: 'REGISTRY.ACTIVE_CENTRE_EXISTS', existingCentreId: first.id });
  });

  it('gives concurrent openings consecutive ordinals without gaps', async () => {
    const ids: string[] = [];
    for (const key of ['05566', '05166', '05154']) ids.push(String((await json(await call('POST', '/centres', registration(key)))).id));
    const [{ last }] = await registry.app.get(DataSource).query(`SELECT last FROM opening_ordinals`);

    const results = await Promise.all(
      ids.map((id) => call('POST', `/centres/${id}/open`, { openedOn: '2016-06-28', place: 'Kreishaus' }).then(json)),
    );

    expect(results.map((r) => r.ordinal).sort()).toEqual([last + 1, last + 2, last + 3]);
  });

  it('answers 400 naming every invalid field', async () => {
    const res = await call('POST', '/centres', { hostBodyKey: '99', name: '', contactEmail: 'not-an-email', unexpected: 1 });

    expect(res.status).toBe(400);
    const fields = new Set((await json(res)).message?.map((m) => m.split(':')[0].split(' ')[0]));
    expect(fields).toEqual(new Set(['hostBodyKey', 'name', 'hostAuthority', 'address', 'contactEmail', 'unexpected']));
  });

  it('answers 404 for an unknown centre or host body, 413 for an oversized body', async () => {
    expect((await call('GET', '/centres/6f1c3c34-7d0b-4d3e-9a51-4a7f0a3e2b10')).status).toBe(404);
    expect((await call('POST', '/centres', registration('05999'))).status).toBe(404);
    expect((await call('POST', '/centres', JSON.stringify({ ...registration('05558'), name: 'x'.repeat(300_000) }))).status).toBe(413);
  });

  it('requires an API key with the write role for changes, and none for reads', async () => {
    const missing = await call('POST', '/centres', registration('05558'), null);
    expect(missing.status).toBe(401);
    expect(await missing.json()).toMatchObject({ message: expect.stringContaining('an API key is required') });
    const unknown = await call('POST', '/centres', registration('05558'), 'wrong-key-0123456789abcdef');
    expect(unknown.status).toBe(401);
    expect(await unknown.json()).toMatchObject({ message: 'the API key is not known to this service: send one of its keys' });
    expect((await call('POST', '/centres', registration('05558'), READER)).status).toBe(403);
    expect((await call('GET', '/territories', undefined, null)).status).toBe(200);
  });

  it('omits the contact e-mail from public reads of centres and shows it to a key with a registry role', async () => {
    const readerList = (await (await call('GET', '/centres', undefined, READER)).json()) as Record<string, unknown>[];
    const anonymousList = (await (await call('GET', '/centres', undefined, null)).json()) as Record<string, unknown>[];
    const [centre] = readerList;
    const readerOne = await json(await call('GET', `/centres/${centre.id}`, undefined, READER));
    const anonymousOne = await json(await call('GET', `/centres/${centre.id}`, undefined, null));

    expect(readerList.length).toBeGreaterThan(0);
    expect(readerList.every((c) => String(c.contactEmail).includes('@'))).toBe(true);
    expect(readerOne.contactEmail).toBe(centre.contactEmail);
    expect(anonymousList.map((c) => c.id)).toEqual(readerList.map((c) => c.id));
    expect(anonymousList.every((c) => !('contactEmail' in c))).toBe(true);
    expect(anonymousOne).toMatchObject({ id: centre.id, hostBodyKey: centre.hostBodyKey });
    expect(anonymousOne).not.toHaveProperty('contactEmail');
  });

  it('pages the list of centres with a capped limit and a link to the next page', async () => {
    const all = (await (await call('GET', '/centres?limit=500', undefined, null)).json()) as { id: string }[];
    const first = await call('GET', '/centres?limit=2', undefined, null);
    const second = await call('GET', '/centres?limit=2&offset=2', undefined, null);
    const last = await call('GET', `/centres?limit=2&offset=${all.length - 1}`, undefined, null);
    const tooMany = await call('GET', '/centres?limit=501', undefined, null);

    expect(all.length).toBeGreaterThan(4);
    expect(((await first.json()) as { id: string }[]).map((c) => c.id)).toEqual(all.slice(0, 2).map((c) => c.id));
    expect(first.headers.get('link')).toBe('</centres?limit=2&offset=2>; rel="next"');
    expect(((await second.json()) as { id: string }[]).map((c) => c.id)).toEqual(all.slice(2, 4).map((c) => c.id));
    expect(((await last.json()) as unknown[]).length).toBe(1);
    expect(last.headers.get('link')).toBeNull();
    expect(tooMany.status).toBe(400);
  });

  it('never writes API keys into its logs', async () => {
    await call('POST', '/centres', registration('05962'));

    await eventually(() => expect(logs.some((l) => l.includes('"/centres"'))).toBe(true), { name: 'request logged' });
    expect(logs.join('\n')).not.toContain(WRITER);
    expect(logs.join('\n')).toContain('[redacted]');
  });
});

describe('registry commands over Kafka', () => {
  let registry: TestService;

  beforeAll(async () => {
    registry = await startTestService(registryService);
  });

  afterAll(() => registry.close());

  it('answers each command with accepted or rejected, and dead-letters a malformed one', async () => {
    const kafka = testKafka();
    const prefix = registry.config.kafka.topicPrefix;
    const results = await collectMessages(kafka, `${prefix}${Topics.registryCommandResults}`);
    const deadLetters = await collectMessages(kafka, `${prefix}${Topics.deadLetters}`);
    const internal = new EventPublisher(kafka, { source: '/ki/test-service', topicPrefix: prefix });
    const body = {
      hostBodyKey: '05558',
      name: 'Kommunales Integrationszentrum Kreis Coesfeld',
      hostAuthority: 'Kreis Coesfeld',
      address: 'Friedrich-Ebert-Straße 7, 48653 Coesfeld',
      contactEmail: 'ki@kreis-coesfeld.de',
    };

    const first = await internal.publish(EventTypes.RegisterCentreV1, Object.assign(new RegisterCentreV1(), body));
    const second = await internal.publish(EventTypes.RegisterCentreV1, Object.assign(new RegisterCentreV1(), body));
    const { message: malformed } = encodeEvent(
      EventTypes.RegisterCentreV1,
      Object.assign(new RegisterCentreV1(), body),
      '/ki/test-service',
    );
    malformed.value = JSON.stringify({ ...body, contactEmail: 'nobody' });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: `${prefix}${Topics.registryCommands}`, messages: [malformed] });
    await producer.disconnect();

    const answer = (commandId: string) =>
      eventually(() => {
        const found = results.messages.find((m) => m.headers.ce_causationid === commandId);
        if (!found) throw new Error(`no answer to ${commandId}`);
        return { type: found.headers.ce_type, payload: JSON.parse(found.value ?? '{}') };
      });
    const accepted = await answer(first.id);
    const rejected = await answer(second.id);
    const dead = await eventually(() => {
      const found = deadLetters.messages.find((m) => m.headers.ce_id === malformed.headers.ce_id);
      if (!found) throw new Error('not dead-lettered yet');
      return found;
    });

    expect(accepted.type).toBe('ki.registry.command-accepted.v1');
    const centre = await (await fetch(`${registry.url}/centres/${accepted.payload.centreId}`)).json();
    expect(centre).toMatchObject({ hostBodyKey: '05558', status: 'registered' });
    expect(rejected).toEqual({
      type: 'ki.registry.command-rejected.v1',
      payload: expect.objectContaining({ commandId: second.id, code: 'REGISTRY.ACTIVE_CENTRE_EXISTS' }),
    });
    expect(dead.headers.dlq_error).toContain('contactEmail');
    await Promise.all([internal.close(), results.stop(), deadLetters.stop()]);
  });
});
