import { EventTypes, Topics } from '@ki/contracts';
import { traceIdOf } from '@ki/platform';
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
} from '@ki/testing';
import { Kafka } from 'kafkajs';
import { DataSource } from 'typeorm';
import { encodeEvent } from './envelope-codec';
import { FOLLOW_UP_PLACE, probeService, ROLLBACK_PLACE } from './test-support/probe.service';

describe('publishing through the transactional outbox', () => {
  let probe: TestService;
  let kafka: Kafka;
  let centres: Awaited<ReturnType<typeof collectMessages>>;
  const logs: string[] = [];

  beforeAll(async () => {
    probe = await startTestService(probeService(), { logSink: (line) => logs.push(line), env: { LOG_LEVEL: 'info' } });
    kafka = testKafka();
    centres = await collectMessages(kafka, `${probe.config.kafka.topicPrefix}${Topics.centres}`);
  });

  afterAll(async () => {
    await centres.stop();
    await probe.close();
  });

  const post = (body: object, headers: Record<string, string> = {}) =>
    fetch(`${probe.url}/probe/open`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });

  it('publishes the event of a committed change and marks it sent', async () => {
    const opened = coesfeldOpened();

    const res = await post(opened);
    const { eventId } = (await res.json()) as { eventId: string };

    expect(res.status).toBe(202);
    const message = await eventually(() => {
      const found = centres.messages.find((m) => m.headers.ce_id === eventId);
      if (!found) throw new Error('not on the topic yet');
      return found;
    });
    expect(message.key).toBe('05558');
    expect(JSON.parse(message.value ?? '')).toEqual(JSON.parse(JSON.stringify(opened)));
    const [row] = await probe.app.get(DataSource).query(`SELECT sent_at FROM messaging_outbox WHERE event_id = $1`, [eventId]);
    expect(row.sent_at).not.toBeNull();
  });

  it('sends a backlog of several batches once each, in commit order per key, and marks every row sent', async () => {
    const keys = ['05554', '05558', '05562', '05566', '05570'];
    const events = Array.from({ length: 2500 }, (_, i) =>
      encodeEvent(EventTypes.CentreOpenedV1, coesfeldOpened({ hostBodyKey: keys[i % keys.length], ordinal: i + 1 }), '/ki/test'),
    );
    // One transaction, as a service would commit a burst: the relay sends it in batches of 1,000.
    await probe.app.get(DataSource).query(
      `INSERT INTO messaging_outbox (event_id, event_type, topic, message_key, headers, payload)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::jsonb[], $6::text[])`,
      [
        events.map((e) => e.envelope.id),
        events.map((e) => e.envelope.type),
        events.map(() => Topics.centres),
        events.map((e) => e.message.key),
        events.map((e) => JSON.stringify(e.message.headers)),
        events.map((e) => e.message.value),
      ],
    );
    const ids = new Set(events.map((e) => e.envelope.id));

    const received = await eventually(() => {
      const mine = centres.messages.filter((m) => ids.has(m.headers.ce_id));
      if (mine.length < events.length) throw new Error(`${mine.length} of ${events.length} on the topic`);
      return mine;
    });

    expect(new Set(received.map((m) => m.headers.ce_id)).size).toBe(events.length);
    expect(received).toHaveLength(events.length);
    for (const key of keys) {
      const ordinals = received.filter((m) => m.key === key).map((m) => JSON.parse(m.value ?? '').ordinal as number);
      expect(ordinals).toEqual([...ordinals].sort((a, b) => a - b));
      expect(ordinals).toHaveLength(events.length / keys.length);
    }
    const [{ unsent }] = await probe.app
      .get(DataSource)
      .query(`SELECT count(*)::int AS unsent FROM messaging_outbox WHERE sent_at IS NULL AND event_id = ANY($1)`, [[...ids]]);
    expect(unsent).toBe(0);
  });

  it('reports on /metrics how long each event took from the start of its transaction until Kafka acknowledged it', async () => {
    const topic = `${probe.config.kafka.topicPrefix}${Topics.centres}`;
    const delays = async () => histogramSeries(await (await fetch(`${probe.url}/metrics`)).text(), 'ki_outbox_delay_seconds', { topic });
    const before = await delays();
    const [late, fresh] = [coesfeldOpened({ hostBodyKey: '05554' }), coesfeldOpened({ hostBodyKey: '05558' })].map((opened) =>
      encodeEvent(EventTypes.CentreOpenedV1, opened, '/ki/test'),
    );
    // As a transaction that began two minutes ago leaves its row, next to one of a transaction begun now.
    await probe.app.get(DataSource).query(
      `INSERT INTO messaging_outbox (event_id, event_type, topic, message_key, headers, payload, created_at)
       SELECT id, type, $3, key, headers, payload, now() - make_interval(secs => age)
       FROM unnest($1::text[], $2::text[], $4::text[], $5::jsonb[], $6::text[], $7::int[]) AS x(id, type, key, headers, payload, age)`,
      [
        [late.envelope.id, fresh.envelope.id],
        [late.envelope.type, fresh.envelope.type],
        Topics.centres,
        [late.message.key, fresh.message.key],
        [JSON.stringify(late.message.headers), JSON.stringify(fresh.message.headers)],
        [late.message.value, fresh.message.value],
        [120, 0],
      ],
    );

    const gained = await eventually(async () => {
      const delta = histogramDelta(await delays(), before);
      if (delta.count < 2) throw new Error(`${delta.count} of 2 observed`);
      return delta;
    });

    expect(gained.count).toBe(2);
    expect(observedWithin(gained, 60)).toBe(1);
    expect(observedWithin(gained, 300)).toBe(2);
    expect(gained.sum).toBeGreaterThanOrEqual(120);
    expect(gained.sum).toBeLessThan(150);
  });

  it('publishes nothing when the change is rolled back after its event was added', async () => {
    const rolledBack = coesfeldOpened({ place: ROLLBACK_PLACE });
    const marker = coesfeldOpened();

    const failed = await post(rolledBack); // adds to the outbox, then its transaction rolls back
    const committed = await post(marker);

    expect(failed.status).toBe(500);
    expect(committed.status).toBe(202);
    // Same key, so the same partition: once the later marker is on the topic, the relay has sent everything before it.
    await eventually(() => {
      if (!centres.messages.some((m) => JSON.parse(m.value ?? '{}').centreId === marker.centreId))
        throw new Error('marker not on the topic yet');
    });
    expect(centres.messages.filter((m) => JSON.parse(m.value ?? '{}').centreId === rolledBack.centreId)).toEqual([]);
    const [{ count }] = await probe.app
      .get(DataSource)
      .query(`SELECT count(*)::int AS count FROM messaging_outbox WHERE payload::jsonb->>'centreId' = $1`, [rolledBack.centreId]);
    expect(count).toBe(0);
  });

  it('carries the trace and correlation of an HTTP request through every downstream event and log line', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const correlationId = `journey-${Date.now()}`;

    const res = await post(coesfeldOpened({ place: FOLLOW_UP_PLACE }), {
      traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
      'x-correlation-id': correlationId,
    });
    const { eventId } = (await res.json()) as { eventId: string };

    const [first, followUp] = await eventually(() => {
      const first = centres.messages.find((m) => m.headers.ce_id === eventId);
      const followUp = centres.messages.find((m) => m.headers.ce_causationid === eventId);
      if (!first || !followUp) throw new Error('events not on the topic yet');
      return [first, followUp];
    });
    for (const event of [first, followUp]) {
      expect(event.headers.ce_correlationid).toBe(correlationId);
      expect(traceIdOf(event.headers.ce_traceparent)).toBe(traceId);
    }
    expect(followUp.headers.ce_traceparent).not.toBe(first.headers.ce_traceparent);
    const [effect] = await probe.app
      .get(DataSource)
      .query(`SELECT trace_id, correlation_id FROM probe_effects WHERE event_id = $1`, [eventId]);
    expect(effect).toEqual({ trace_id: traceId, correlation_id: correlationId });
    const traced = logs.map((l) => JSON.parse(l)).filter((l) => l.trace_id === traceId);
    expect(traced.length).toBeGreaterThan(0);
    expect(traced.every((l) => l.correlation_id === correlationId)).toBe(true);
    expect(res.headers.get('x-correlation-id')).toBe(correlationId);
  });
});
