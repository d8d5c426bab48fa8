import { EventTypes, envelopeToHeaders, RegisterCentreV1, topicName, Topics } from '@ki/contracts';
import { encodeEvent, ensureTopics } from '@ki/messaging';
import { eventually, startTestService, testKafka, TestService, uniqueTopicPrefix } from '@ki/testing';
import { randomUUID } from 'node:crypto';
import { MAX_KEPT_VALUE_CHARS } from '../message-index/indexed-message';
import { consoleService } from '../service';
import type { MessageDetail, SearchPage } from './message-search';

const READER = 'console-reader-0123456789';
const REVEALER = 'console-revealer-0123456789';

describe('searching the message index', () => {
  const topicPrefix = uniqueTopicPrefix('search');
  const correlationId = randomUUID();
  let consoleApp: TestService;
  let commandId: string;
  let producedAt: Date;

  const call = async <T>(path: string, key = READER) => {
    const res = await fetch(`${consoleApp.url}${path}`, { headers: { 'x-api-key': key } });
    return { status: res.status, body: (await res.json()) as T };
  };
  const search = async (query: string) => {
    const res = await call<SearchPage>(`/api/messages?${query}`);
    if (res.status !== 200) throw new Error(`search ${query} answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body;
  };

  beforeAll(async () => {
    await ensureTopics(testKafka(), topicPrefix);
    consoleApp = await startTestService(consoleService, {
      topicPrefix,
      env: { CONSOLE_API_KEYS: `reader:${READER}:console:read,revealer:${REVEALER}:console:read+console:reveal` },
    });
    const command = encodeEvent(
      EventTypes.RegisterCentreV1,
      Object.assign(new RegisterCentreV1(), {
        hostBodyKey: '05754',
        name: 'Kommunales Integrationszentrum Kreis Gütersloh',
        hostAuthority: 'Kreisverwaltung Gütersloh',
        address: 'Herzebrocker Straße 140, 33334 Gütersloh',
        contactEmail: 'ki-guetersloh@example.org',
      }),
      '/ki/test-tool',
      { correlationId },
    );
    commandId = command.envelope.id;
    const large = {
      key: '05558',
      // No JSON: a raw value is masked as text, address by address.
      value: `${'x'.repeat(MAX_KEPT_VALUE_CHARS)} contact press@kreis-coesfeld.de`,
      headers: envelopeToHeaders({
        id: randomUUID(),
        type: 'ki.registry.centre-renamed.v9',
        source: '/ki/elsewhere',
        time: new Date().toISOString(),
        subject: '05558',
        correlationId,
      }),
    };
    const producer = testKafka().producer();
    await producer.connect();
    producedAt = new Date();
    await producer.send({ topic: topicName(Topics.registryCommands, topicPrefix), messages: [command.message] });
    await producer.send({ topic: topicName(Topics.centres, topicPrefix), messages: [large] });
    // Twelve messages of one key, for paging.
    await producer.send({
      topic: topicName(Topics.centres, topicPrefix),
      messages: Array.from({ length: 12 }, (_, i) => ({
        key: '05370',
        value: JSON.stringify({ hostBodyKey: '05370', n: i }),
        headers: envelopeToHeaders({
          id: randomUUID(),
          type: 'ki.test.page.v1',
          source: '/ki/test-tool',
          time: new Date().toISOString(),
          subject: '05370',
          correlationId: randomUUID(),
        }),
      })),
    });
    await producer.disconnect();
    await eventually(async () => expect((await search(`correlationId=${correlationId}`)).messages).toHaveLength(2), {
      name: 'messages indexed',
      timeout: 60_000,
    });
    await eventually(async () => expect((await search('key=05370&limit=500')).messages).toHaveLength(12), {
      name: 'page messages indexed',
      timeout: 60_000,
    });
  });

  afterAll(() => consoleApp.close());

  it('finds messages by key, host body, correlation id, event id, type, position and time', async () => {
    const [byEvent] = (await search(`eventId=${commandId}`)).messages;

    expect(byEvent).toMatchObject({
      topic: Topics.registryCommands,
      type: EventTypes.RegisterCentreV1.type,
      key: '05754',
      hostBodyKey: '05754',
      correlationId,
      id: commandId,
      source: '/ki/test-tool',
    });
    expect(byEvent.size).toBeGreaterThan(100);
    expect((await search('hostBodyKey=05754')).messages.map((m) => m.id)).toEqual([commandId]);
    expect((await search(`type=${EventTypes.RegisterCentreV1.type}`)).messages.map((m) => m.id)).toEqual([commandId]);
    expect(
      (await search(`topic=${byEvent.topic}&partition=${byEvent.partition}&offset=${byEvent.offset}`)).messages.map((m) => m.id),
    ).toEqual([commandId]);
    expect((await search(`key=05754&from=${new Date(producedAt.getTime() - 60_000).toISOString()}`)).messages).toHaveLength(1);
    expect((await search(`key=05754&to=${new Date(producedAt.getTime() - 60_000).toISOString()}`)).messages).toHaveLength(0);
  });

  it('pages newest first with a cursor until the last page, which has none', async () => {
    const first = await search('key=05370&limit=5');
    const second = await search(`key=05370&limit=5&cursor=${first.nextCursor}`);
    const third = await search(`key=05370&limit=5&cursor=${second.nextCursor}`);

    const all = [...first.messages, ...second.messages, ...third.messages];
    expect([first.messages.length, second.messages.length, third.messages.length]).toEqual([5, 5, 2]);
    expect(third.nextCursor).toBeUndefined();
    expect(new Set(all.map((m) => `${m.partition}/${m.offset}`)).size).toBe(12);
    const times = all.map((m) => m.receivedAt);
    expect(times).toEqual([...times].sort().reverse());
  });

  it('answers 400 naming each bad query parameter', async () => {
    const bad = await call<{ message: string[] }>('/api/messages?from=yesterday&limit=0&topic=ki.nowhere.v1&cursor=xyz&colour=red');
    const offsetAlone = await call<{ message: string[] }>('/api/messages?offset=5');

    expect(bad.status).toBe(400);
    expect(bad.body.message).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^from: /),
        expect.stringMatching(/^limit: /),
        expect.stringMatching(/^topic: topic must be one of /),
        'cursor: cursor must be the nextCursor of an earlier page',
        'colour: property colour should not exist',
      ]),
    );
    expect(offsetAlone.status).toBe(400);
    expect(offsetAlone.body.message).toEqual(
      expect.arrayContaining(['topic: topic is required with partition or offset', 'partition: partition is required with offset']),
    );
  });

  it('shows one message with payload and headers, masked unless the key may reveal personal data', async () => {
    const [summary] = (await search(`eventId=${commandId}`)).messages;
    const path = `/api/messages/${summary.topic}/${summary.partition}/${summary.offset}`;

    const masked = await call<MessageDetail>(path);
    const revealed = await call<MessageDetail>(path, REVEALER);

    expect(masked.status).toBe(200);
    expect(masked.body.payload).toMatchObject({ hostBodyKey: '05754', contactEmail: '•••' });
    expect(JSON.stringify(masked.body)).not.toContain('ki-guetersloh@example.org');
    expect(masked.body.headers).toMatchObject({ ce_id: commandId, ce_correlationid: correlationId });
    expect(revealed.body.payload).toMatchObject({ contactEmail: 'ki-guetersloh@example.org' });
  });

  it('reads a message the index keeps only in part whole from its topic, addresses masked', async () => {
    const large = (await search(`correlationId=${correlationId}&topic=${Topics.centres}`)).messages[0];
    expect(large.truncated).toBe(true);

    const whole = await call<MessageDetail>(`/api/messages/${large.topic}/${large.partition}/${large.offset}`);

    expect(whole.status).toBe(200);
    expect(typeof whole.body.payload).toBe('string');
    expect(whole.body.payload).toBe(`${'x'.repeat(MAX_KEPT_VALUE_CHARS)} contact •••`);
    expect(String(whole.body.payload)).not.toContain('press@kreis-coesfeld.de');
    expect(whole.body.truncated).toBeUndefined();
  });

  it('answers 404 for a position the index does not hold and 400 for a malformed one', async () => {
    expect((await call(`/api/messages/${Topics.centres}/0/999999`)).status).toBe(404);
    expect((await call(`/api/messages/ki.nowhere.v1/x/-1`)).status).toBe(400);
    // A dead letter the index lacks is read from its topic, which tells at once that it holds no such offset.
    const started = Date.now();
    expect(await call(`/api/dead-letters/0/999999`)).toMatchObject({ status: 404, body: { code: 'CONSOLE.DEAD_LETTER_NOT_FOUND' } });
    expect(Date.now() - started).toBeLessThan(3000);
  });
});
