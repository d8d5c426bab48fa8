import { CentreClosedV1, EventTypes, Topics } from '@ki/contracts';
import { randomBytes } from 'node:crypto';
import {
  coesfeldOpened,
  collectMessages,
  eventually,
  histogramDelta,
  histogramSeries,
  observedWithin,
  startTestService,
  testKafka,
  TestService,
  waitForGroupToCatchUp,
} from '@ki/testing';
import { Kafka, Producer } from 'kafkajs';
import { DataSource } from 'typeorm';
import { encodeEvent } from './envelope-codec';
import { readDeadLetter, replayDeadLetter } from './replay';
import { probeService, ProbeFailures } from './test-support/probe.service';

describe('consuming with the inbox, retries and dead letters', () => {
  let probe: TestService;
  let kafka: Kafka;
  let producer: Producer;
  let centres: string;
  let deadLetters: Awaited<ReturnType<typeof collectMessages>>;

  const effectsOf = (eventId: string) => probe.app.get(DataSource).query(`SELECT * FROM probe_effects WHERE event_id = $1`, [eventId]);
  const deadLetterOf = (eventId: string) =>
    eventually(
      () => {
        const found = deadLetters.messages.find((m) => m.headers.ce_id === eventId);
        if (!found) throw new Error(`no dead letter for ${eventId}`);
        return found;
      },
      { name: `dead letter of ${eventId}`, timeout: 30_000 },
    );

  beforeAll(async () => {
    probe = await startTestService(probeService());
    kafka = testKafka();
    producer = kafka.producer();
    await producer.connect();
    centres = `${probe.config.kafka.topicPrefix}${Topics.centres}`;
    deadLetters = await collectMessages(kafka, `${probe.config.kafka.topicPrefix}${Topics.deadLetters}`);
  });

  afterAll(async () => {
    await deadLetters.stop();
    await producer.disconnect();
    await probe.close();
  });

  it('applies an event delivered 1,000 times exactly once', async () => {
    const { envelope, message } = encodeEvent(EventTypes.CentreOpenedV1, coesfeldOpened(), '/ki/test');

    await producer.send({ topic: centres, messages: Array.from({ length: 1000 }, () => message) });
    await waitForGroupToCatchUp(kafka, probe.groupId('probe'), centres);

    expect(await effectsOf(envelope.id)).toHaveLength(1);
  });

  it('reports on /metrics how long each message waited for its handlers and until its transaction committed, from its Kafka timestamp', async () => {
    const scrape = async () => (await fetch(`${probe.url}/metrics`)).text();
    const before = await scrape();
    const [sentLongAgo, a, b] = ['05578', '05578', '05582'].map((hostBodyKey) =>
      encodeEvent(EventTypes.CentreOpenedV1, coesfeldOpened({ hostBodyKey }), '/ki/test'),
    );

    await producer.send({
      topic: centres,
      messages: [{ ...sentLongAgo.message, timestamp: String(Date.now() - 120_000) }, a.message, b.message],
    });
    await waitForGroupToCatchUp(kafka, probe.groupId('probe'), centres);

    const after = await scrape();
    const labels = { group: 'probe', topic: centres };
    for (const name of ['ki_consumer_wait_seconds', 'ki_consumer_done_seconds']) {
      const gained = histogramDelta(histogramSeries(after, name, labels), histogramSeries(before, name, labels));
      expect({ name, count: gained.count, within60: observedWithin(gained, 60), within300: observedWithin(gained, 300) }).toEqual({
        name,
        count: 3,
        within60: 2,
        within300: 3,
      });
      expect(gained.sum).toBeGreaterThanOrEqual(120);
    }
    for (const { envelope } of [sentLongAgo, a, b]) expect(await effectsOf(envelope.id)).toHaveLength(1);
  });

  it('gives only the new events of a redelivered batch an effect when it mixes handled and new ones', async () => {
    const opening = () => encodeEvent(EventTypes.CentreOpenedV1, coesfeldOpened({ hostBodyKey: '05558' }), '/ki/test');
    const [a, b, c, d, e] = [opening(), opening(), opening(), opening(), opening()];
    await producer.send({ topic: centres, messages: [a.message, b.message] });
    await waitForGroupToCatchUp(kafka, probe.groupId('probe'), centres);

    // One partition (one key), so one chunk: two events seen before, three new, one of them twice.
    await producer.send({ topic: centres, messages: [a.message, c.message, b.message, d.message, e.message, e.message] });
    await waitForGroupToCatchUp(kafka, probe.groupId('probe'), centres);

    for (const { envelope } of [a, b, c, d, e]) expect(await effectsOf(envelope.id)).toHaveLength(1);
  });

  it('dead-letters a malformed event with its reason and processes the message behind it on the same partition', async () => {
    const poison = encodeEvent(EventTypes.CentreOpenedV1, coesfeldOpened({ hostBodyKey: '05554' }), '/ki/test');
    poison.message.value = JSON.stringify({ ...JSON.parse(String(poison.message.value)), centreId: 'not-a-uuid' });
    const behind = encodeEvent(EventTypes.CentreOpenedV1, coesfeldOpened({ hostBodyKey: '05554' }), '/ki/test');

    await producer.send({ topic: centres, messages: [poison.message, behind.message] });

    const dead = await deadLetterOf(poison.envelope.id);
    expect(dead.headers).toMatchObject({
      dlq_error_code: 'CONTRACT.INVALID_PAYLOAD',
      dlq_original_topic: centres,
      dlq_attempts: '1',
      dlq_consumer_group: 'probe',
    });
    expect(dead.headers.dlq_error).toContain('centreId');
    expect(dead.key).toBe('05554');
    await eventually(async () => expect(await effectsOf(behind.envelope.id)).toHaveLength(1), {
      name: 'message behind the poison handled',
    });
  });

  it('hands consecutive events of a batch handler over in one call, in order, each in its own trace; an event of another type between them ends the batch', async () => {
    const traceparent = () => `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;
    const closing = (reason = 'merged with a neighbour') =>
      encodeEvent(
        EventTypes.CentreClosedV1,
        { centreId: coesfeldOpened().centreId, hostBodyKey: '05566', closedOn: '2017-06-30', reason } satisfies CentreClosedV1,
        '/ki/test',
        { traceparent: traceparent() },
      );
    const [c1, c2, c3, c4, c5] = [closing(), closing(), closing(), closing(), closing()];
    const opened = encodeEvent(EventTypes.CentreOpenedV1, coesfeldOpened({ hostBodyKey: '05566' }), '/ki/test');

    // One key, so one partition and one chunk: c5 twice, the second time a duplicate.
    await producer.send({ topic: centres, messages: [c1, c2, c3, opened, c4, c5, c5].map((e) => e.message) });
    await waitForGroupToCatchUp(kafka, probe.groupId('probe'), centres);

    const effects: { event_id: string; ordinal: number; batch_call: string | null; trace_id: string }[] = await probe.app
      .get(DataSource)
      .query(`SELECT event_id, ordinal, batch_call, trace_id FROM probe_effects WHERE host_body_key = '05566' ORDER BY id`);
    expect(effects.map((e) => e.event_id)).toEqual([c1, c2, c3, opened, c4, c5].map((e) => e.envelope.id));
    const calls = effects.map((e) => e.batch_call);
    expect(calls[0]).not.toBeNull();
    expect([calls[1], calls[2]]).toEqual([calls[0], calls[0]]);
    expect(calls[3]).toBeNull();
    expect(calls[4]).not.toBe(calls[0]);
    expect(calls[5]).toBe(calls[4]);
    expect(effects.map((e) => e.ordinal).filter((_, i) => i !== 3)).toEqual([0, 1, 2, 0, 1]);
    for (const [i, event] of [c1, c2, c3, c4, c5].entries())
      expect(effects.filter((e) => e.batch_call)[i].trace_id).toBe(event.envelope.traceparent?.split('-')[1]);
  });

  it('hands the events of a failed batch over one at a time, dead-letters only the one that fails and keeps the others once', async () => {
    const closing = (reason: string) =>
      encodeEvent(
        EventTypes.CentreClosedV1,
        { centreId: coesfeldOpened().centreId, hostBodyKey: '05570', closedOn: '2017-06-30', reason } satisfies CentreClosedV1,
        '/ki/test',
      );
    const before = closing('closed before the failing one');
    const failing = closing(ProbeFailures.invalid);
    const after = closing('closed after the failing one');

    await producer.send({ topic: centres, messages: [before, failing, after].map((e) => e.message) });

    expect((await deadLetterOf(failing.envelope.id)).headers).toMatchObject({ dlq_error_code: 'PROBE.INVALID', dlq_attempts: '1' });
    await waitForGroupToCatchUp(kafka, probe.groupId('probe'), centres);
    const effects: { event_id: string; batch_call: string }[] = await probe.app
      .get(DataSource)
      .query(`SELECT event_id, batch_call FROM probe_effects WHERE host_body_key = '05570' ORDER BY id`);
    expect(effects.map((e) => e.event_id)).toEqual([before.envelope.id, after.envelope.id]);
    expect(effects[0].batch_call).not.toBe(effects[1].batch_call);
  });

  it('dead-letters an unknown event type without retrying', async () => {
    const unknown = encodeEvent(EventTypes.CentreOpenedV1, coesfeldOpened(), '/ki/test');
    unknown.message.headers.ce_type = 'ki.registry.centre-opened.v9';

    await producer.send({ topic: centres, messages: [unknown.message] });

    expect((await deadLetterOf(unknown.envelope.id)).headers).toMatchObject({ dlq_error_code: 'CONTRACT.UNKNOWN_TYPE', dlq_attempts: '1' });
  });

  it('dead-letters an event whose ce_id is malformed or too long, naming the header, and handles nothing of it', async () => {
    const long = encodeEvent(EventTypes.CentreOpenedV1, coesfeldOpened(), '/ki/test', { id: 'a'.repeat(300) });
    const odd = encodeEvent(EventTypes.CentreOpenedV1, coesfeldOpened(), '/ki/test', { id: "x'; DROP TABLE probe_effects; --" });

    await producer.send({ topic: centres, messages: [long.message, odd.message] });

    for (const { envelope } of [long, odd]) {
      const dead = await deadLetterOf(envelope.id);
      expect(dead.headers).toMatchObject({ dlq_error_code: 'CONTRACT.INVALID_HEADER', dlq_attempts: '1' });
      expect(dead.headers.dlq_error).toContain('header ce_id must be 1 to 128');
      expect(await effectsOf(envelope.id)).toHaveLength(0);
    }
  });

  it('dead-letters a non-retryable handler error at once', async () => {
    const rejected = encodeEvent(EventTypes.CentreOpenedV1, coesfeldOpened({ hostBodyName: ProbeFailures.invalid }), '/ki/test');

    await producer.send({ topic: centres, messages: [rejected.message] });

    expect((await deadLetterOf(rejected.envelope.id)).headers).toMatchObject({ dlq_error_code: 'PROBE.INVALID', dlq_attempts: '1' });
  });

  it('retries a failing handler with backoff and dead-letters it after the last attempt', async () => {
    const failing = encodeEvent(EventTypes.CentreOpenedV1, coesfeldOpened({ hostBodyName: ProbeFailures.always }), '/ki/test');
    const sentAt = Date.now();

    await producer.send({ topic: centres, messages: [failing.message] });

    const dead = await deadLetterOf(failing.envelope.id);
    expect(dead.headers).toMatchObject({ dlq_error_code: 'CONSUMER.HANDLER_FAILED', dlq_attempts: '5' });
    expect(dead.headers.dlq_error).toContain('always fails');
    // Four pauses of at least 100, 200, 400 and 800 ms (half of each exponential step, by the jitter rule).
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(1500);
  });

  it('replays a dead letter once its cause is fixed; a second replay of the handled event has no effect', async () => {
    const stuck = encodeEvent(EventTypes.CentreOpenedV1, coesfeldOpened({ hostBodyName: ProbeFailures.untilHealed }), '/ki/test');
    await producer.send({ topic: centres, messages: [stuck.message] });
    const dead = await deadLetterOf(stuck.envelope.id);
    const prefix = probe.config.kafka.topicPrefix;
    const letter = await readDeadLetter(kafka, dead.partition, dead.offset, prefix);
    if (!letter) throw new Error('dead letter not readable');
    await probe.app.get(DataSource).query(`INSERT INTO probe_switches (name) VALUES ('heal')`);
    const operations = await collectMessages(kafka, `${prefix}${Topics.operations}`);

    const record = await replayDeadLetter(kafka, letter, { replayedBy: 'operator@test', reason: 'handler fixed', topicPrefix: prefix });
    await eventually(async () => expect(await effectsOf(stuck.envelope.id)).toHaveLength(1), { name: 'replayed event handled' });
    await replayDeadLetter(kafka, letter, { replayedBy: 'operator@test', reason: 'again, by mistake', topicPrefix: prefix });
    await waitForGroupToCatchUp(kafka, probe.groupId('probe'), centres);

    expect(await effectsOf(stuck.envelope.id)).toHaveLength(1);
    expect(record).toMatchObject({ eventId: stuck.envelope.id, topic: centres, replayedBy: 'operator@test', reason: 'handler fixed' });
    const audit = await eventually(() => {
      const first = operations.messages[0];
      if (!first) throw new Error('no audit event yet');
      return first;
    });
    expect(audit.headers.ce_type).toBe('ki.operations.dead-letter-replayed.v1');
    expect(JSON.parse(audit.value ?? '{}')).toMatchObject({ eventId: stuck.envelope.id, replayedBy: 'operator@test' });
    await operations.stop();
  });
});

describe('consuming a batch of several chunks', () => {
  let probe: TestService;
  let kafka: Kafka;
  let producer: Producer;

  beforeAll(async () => {
    probe = await startTestService(probeService('probe-chunks', 5));
    kafka = testKafka();
    producer = kafka.producer();
    await producer.connect();
  });

  afterAll(async () => {
    await producer.disconnect();
    await probe.close();
  });

  it('handles a failing chunk one by one while the next chunk, holding one of its events again, waits', async () => {
    const centres = `${probe.config.kafka.topicPrefix}${Topics.centres}`;
    const opening = (hostBodyName = 'Kreis Coesfeld') =>
      encodeEvent(EventTypes.CentreOpenedV1, coesfeldOpened({ hostBodyKey: '05562', hostBodyName }), '/ki/test');
    const first = Array.from({ length: 5 }, () => opening());
    const rejected = opening(ProbeFailures.invalid);
    const second = [opening(), opening(), rejected, opening(), opening()];
    // The third chunk starts with the second chunk's second event again.
    const third = [second[1], opening(), opening(), opening(), opening()];

    // One key, so one partition and, in one fetch, three chunks of five.
    await producer.send({ topic: centres, messages: [...first, ...second, ...third].map((e) => e.message) });
    await waitForGroupToCatchUp(kafka, probe.groupId('probe-chunks'), centres);

    const handled = [...first, ...second, ...third].filter((e) => e !== rejected);
    const effects: { event_id: string }[] = await probe.app
      .get(DataSource)
      .query(`SELECT event_id FROM probe_effects WHERE event_id = ANY($1)`, [handled.map((e) => e.envelope.id)]);
    expect(effects.map((e) => e.event_id).sort()).toEqual([...new Set(handled.map((e) => e.envelope.id))].sort());
    expect(await probe.app.get(DataSource).query(`SELECT 1 FROM probe_effects WHERE event_id = $1`, [rejected.envelope.id])).toEqual([]);
  });
});
