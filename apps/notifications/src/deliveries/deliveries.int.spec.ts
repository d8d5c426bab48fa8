import { EventTypes, Topics } from '@ki/contracts';
import { EventPublisher } from '@ki/messaging';
import { coesfeldOpened, collectMessages, eventually, startTestService, testKafka, TestService } from '@ki/testing';
import { DataSource } from 'typeorm';
import { notificationsService } from '../service';
import { generateWebhookSecret, verifyWebhook } from '../subscriptions/domain/webhook-signature';
import { fundingAllocated } from '../test-support/funding-fixtures';
import { startWebhookReceiver } from '../test-support/webhook-receiver';

const WRITER = 'writer-key-0123456789abcdef';
const OPERATOR = 'operator-key-0123456789abcdef';

interface Attempt {
  attempt: number;
  outcome: string;
  statusCode: number | null;
  error: string | null;
}

describe('webhook deliveries', () => {
  let service: TestService;
  let registry: EventPublisher;
  let ledger: EventPublisher;
  let events: Awaited<ReturnType<typeof collectMessages>>;

  const call = async (method: string, path: string, body?: unknown, key: string | null = WRITER) => {
    const res = await fetch(`${service.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(key ? { 'x-api-key': key } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (res.status === 204 ? undefined : await res.json()) as never };
  };
  const subscribe = async (url: string) => {
    const created = await call('POST', '/subscriptions', { channel: 'webhook', url, eventKinds: ['opening'] });
    expect(created.status).toBe(201);
    return created.body as { id: string; secret: string };
  };
  /** Publishes an opening with its allocation and returns the opening's centre id. */
  const openAndFund = async () => {
    const opened = coesfeldOpened();
    const envelope = await registry.publish(EventTypes.CentreOpenedV1, opened);
    await ledger.publish(EventTypes.FundingAllocatedV1, fundingAllocated(opened, envelope.id));
    return opened.centreId;
  };
  /**
   * A receiver that holds its first webhook until `answer(status)`; `held` resolves when that one
   * arrives. Later ones get what `later` says (200 by default).
   */
  const startHoldingReceiver = async (later: (count: number) => number = () => 200) => {
    let answer!: (status: number) => void;
    let asked!: () => void;
    const held = new Promise<void>((resolve) => (asked = resolve));
    const receiver = await startWebhookReceiver(({ count }) => {
      if (count > 1) return later(count);
      asked();
      return new Promise<number>((resolve) => (answer = resolve));
    });
    return { ...receiver, held, answer: (status: number) => answer(status) };
  };
  const eventsOf = (type: string) =>
    events.messages.filter((m) => m.headers.ce_type === type).map((m) => JSON.parse(m.value ?? '{}') as Record<string, unknown>);

  beforeAll(async () => {
    service = await startTestService(notificationsService, {
      env: {
        NOTIFICATIONS_API_KEYS: `ops:${WRITER}:notifications:write,operator:${OPERATOR}:notifications:operator`,
        NOTIFICATIONS_FUNDING_WAIT_MS: '600000',
        NOTIFICATIONS_POLL_INTERVAL_MS: '50',
        NOTIFICATIONS_RETRY_INITIAL_MS: '100',
        NOTIFICATIONS_RETRY_MAX_MS: '400',
        NOTIFICATIONS_MAX_ATTEMPTS: '10',
        NOTIFICATIONS_DISABLE_AFTER_FAILURES: '5',
        NOTIFICATIONS_WEBHOOK_ALLOW_LOOPBACK: 'true',
      },
    });
    const kafka = testKafka();
    const topicPrefix = service.config.kafka.topicPrefix;
    registry = new EventPublisher(kafka, { source: '/ki/registry', topicPrefix });
    ledger = new EventPublisher(kafka, { source: '/ki/funding-ledger', topicPrefix });
    events = await collectMessages(kafka, `${topicPrefix}${Topics.notifications}`);
  });

  afterAll(async () => {
    await events.stop();
    await registry.close();
    await ledger.close();
    await service.close();
  });

  it('delivers exactly once to a subscriber that answers 500 to its first 3 attempts, signed with its secret', async () => {
    const receiver = await startWebhookReceiver(({ count }) => (count <= 3 ? 500 : 200));
    const subscription = await subscribe(receiver.url);

    const centreId = await openAndFund();

    await eventually(() => expect(receiver.received.map((r) => r.status)).toEqual([500, 500, 500, 200]), {
      name: 'three failures, then success',
    });
    const delivered = receiver.received[3];
    const announcement = JSON.parse(delivered.body) as { data: { id: string; centreId: string } };
    expect(announcement.data.centreId).toBe(centreId);
    expect(new Set(receiver.received.map((r) => r.headers['webhook-id'])).size).toBe(1);
    const headers = {
      id: String(delivered.headers['webhook-id']),
      timestamp: String(delivered.headers['webhook-timestamp']),
      signature: String(delivered.headers['webhook-signature']),
    };
    const now = Math.floor(Date.now() / 1000);
    expect(verifyWebhook(subscription.secret, headers, delivered.body, now)).toBe(true);
    expect(verifyWebhook(generateWebhookSecret(), headers, delivered.body, now)).toBe(false);
    expect(verifyWebhook(subscription.secret, headers, delivered.body.replace('Coesfeld', 'Coesfelt'), now)).toBe(false);

    // The receiver has the request before the dispatcher has recorded the answer.
    const log = await eventually(
      async () => {
        const answer = await call(
          'GET',
          `/announcements/${announcement.data.id}/deliveries/${subscription.id}/attempts`,
          undefined,
          OPERATOR,
        );
        expect(answer.status).toBe(200);
        expect((answer.body as { delivery: { status: string } }).delivery.status).not.toBe('pending');
        return answer;
      },
      { name: 'outcome of the fourth attempt recorded' },
    );
    const { delivery, attempts } = log.body as { delivery: { status: string; attempts: number }; attempts: Attempt[] };
    // Nothing more reached the receiver once the outcome was recorded.
    expect(receiver.received.map((r) => r.status)).toEqual([500, 500, 500, 200]);
    expect(delivery).toMatchObject({ status: 'succeeded', attempts: 4 });
    expect(attempts.map((a) => [a.attempt, a.outcome, a.statusCode])).toEqual([
      [1, 'failed', 500],
      [2, 'failed', 500],
      [3, 'failed', 500],
      [4, 'succeeded', 200],
    ]);
    expect(attempts[0].error).toContain('HTTP 500');
    await eventually(
      () =>
        expect(eventsOf('ki.notifications.delivery-succeeded.v1')).toContainEqual(
          expect.objectContaining({
            announcementId: announcement.data.id,
            subscriptionId: subscription.id,
            attempts: 4,
            channel: 'webhook',
          }),
        ),
      { name: 'delivery-succeeded event' },
    );
    expect(eventsOf('ki.notifications.announcement-published.v1')).toContainEqual(
      expect.objectContaining({ announcementId: announcement.data.id, hostBodyKey: '05558', ordinal: 50, fundingStatus: 'allocated' }),
    );
    await call('DELETE', `/subscriptions/${subscription.id}`);
    await receiver.close();
  });

  it('disables a subscriber after a run of failures, says so, and an operator can resend once it is enabled', async () => {
    let healthy = false;
    const receiver = await startWebhookReceiver(() => (healthy ? 200 : 503));
    const subscription = await subscribe(receiver.url);

    await openAndFund();

    await eventually(
      () =>
        expect(eventsOf('ki.notifications.subscriber-disabled.v1')).toContainEqual(
          expect.objectContaining({ subscriptionId: subscription.id, consecutiveFailures: 5, channel: 'webhook' }),
        ),
      { name: 'subscriber-disabled event' },
    );
    const disabled = await call('GET', `/subscriptions/${subscription.id}`);
    expect(disabled.body).toMatchObject({ status: 'disabled', consecutiveFailures: 5 });
    expect((disabled.body as { lastError: string }).lastError).toContain('HTTP 503');
    expect(receiver.received).toHaveLength(5);
    const failed = await eventually(() => {
      const found = eventsOf('ki.notifications.delivery-failed.v1').find((e) => e.subscriptionId === subscription.id);
      if (!found) throw new Error('no delivery-failed event yet');
      return found;
    });
    expect(failed).toMatchObject({ reason: 'SUBSCRIBER_DISABLED', attempts: 5 });
    const refused = await call('POST', `/announcements/${failed.announcementId}/deliveries/${subscription.id}/resend`, undefined, OPERATOR);
    expect(refused.status).toBe(409);

    healthy = true;
    expect((await call('POST', `/subscriptions/${subscription.id}/enable`)).status).toBe(200);
    const resent = await call('POST', `/announcements/${failed.announcementId}/deliveries/${subscription.id}/resend`, undefined, OPERATOR);

    expect(resent.status).toBe(202);
    await eventually(() => expect(receiver.received.map((r) => r.status)).toEqual([503, 503, 503, 503, 503, 200]), { name: 'resent' });
    await eventually(
      async () => {
        const log = await call('GET', `/announcements/${failed.announcementId}/deliveries`, undefined, OPERATOR);
        expect(
          (log.body as { subscriptionId: string; status: string; resends: number }[]).find((d) => d.subscriptionId === subscription.id),
        ).toMatchObject({ status: 'succeeded', resends: 1 });
      },
      { name: 'resent delivery recorded as succeeded' },
    );
    await call('DELETE', `/subscriptions/${subscription.id}`);
    await receiver.close();
  });

  it('keeps the order of announcements per subscriber while one of them is retried', async () => {
    const receiver = await startWebhookReceiver(({ count }) => (count <= 2 ? 500 : 200));
    const subscription = await subscribe(receiver.url);

    const first = await openAndFund();
    await eventually(() => expect(receiver.received.length).toBeGreaterThan(0), { name: 'first attempt' });
    const second = await openAndFund();

    await eventually(() => expect(receiver.received.filter((r) => r.status === 200)).toHaveLength(2), { name: 'both delivered' });
    const order = receiver.received.map((r) => (JSON.parse(r.body) as { data: { centreId: string } }).data.centreId);
    expect(order).toEqual([first, first, first, second]);
    await call('DELETE', `/subscriptions/${subscription.id}`);
    await receiver.close();
  });

  it('sends the backlog of a subscriber in order, and after a failure in its middle the rest without waiting for their claims to run out', async () => {
    const receiver = await startHoldingReceiver((count) => (count === 3 ? 500 : 200));
    const subscription = await subscribe(receiver.url);
    const pending = async () =>
      (
        await service.app
          .get(DataSource)
          .query(`SELECT count(*)::int AS n FROM deliveries WHERE subscription_id = $1 AND status = 'pending'`, [subscription.id])
      )[0].n as number;

    const opened = [await openAndFund()];
    await receiver.held;
    for (let i = 0; i < 5; i++) opened.push(await openAndFund());
    await eventually(async () => expect(await pending()).toBe(6), { name: 'a backlog of five behind the first' });
    receiver.answer(200);

    // The claims last a minute: the five behind the failed third come within seconds only because they were released.
    await eventually(() => expect(receiver.received.filter((r) => r.status === 200)).toHaveLength(6), {
      name: 'all six delivered',
      timeout: 20_000,
    });
    const delivered = receiver.received
      .filter((r) => r.status === 200)
      .map((r) => (JSON.parse(r.body) as { data: { centreId: string } }).data.centreId);
    expect(delivered).toEqual(opened);
    expect(receiver.received.map((r) => r.status)).toEqual([200, 200, 500, 200, 200, 200, 200]);
    // Successes are recorded in batches while later ones are posted, the failure after the successes before it.
    const dataSource = service.app.get(DataSource);
    await eventually(
      async () =>
        expect(
          await dataSource.query(
            `SELECT d.status, d.attempts, (SELECT count(*)::int FROM delivery_attempts a WHERE a.delivery_id = d.id) AS logged
             FROM deliveries d WHERE d.subscription_id = $1 ORDER BY d.seq`,
            [subscription.id],
          ),
        ).toEqual([1, 1, 2, 1, 1, 1].map((n) => ({ status: 'succeeded', attempts: n, logged: n }))),
      { name: 'every outcome recorded' },
    );
    const [{ failures }] = await dataSource.query(`SELECT consecutive_failures AS failures FROM subscriptions WHERE id = $1`, [
      subscription.id,
    ]);
    expect(failures).toBe(0);
    const [{ events }] = await dataSource.query(
      `SELECT count(*)::int AS events FROM messaging_outbox
       WHERE event_type = 'ki.notifications.delivery-succeeded.v1' AND payload::jsonb->>'subscriptionId' = $1`,
      [subscription.id],
    );
    expect(events).toBe(6);
    await call('DELETE', `/subscriptions/${subscription.id}`);
    await receiver.close();
  });

  it('delivers to other subscribers while one subscriber is still answering', async () => {
    // The slow subscriber answers its first webhook only when told to, well within the attempt's time limit (10 s).
    const slow = await startHoldingReceiver();
    const fast = await startWebhookReceiver();
    const slowSubscription = await subscribe(slow.url);
    const fastSubscription = await subscribe(fast.url);

    const opened = [await openAndFund()];
    await slow.held;
    opened.push(await openAndFund(), await openAndFund());

    // Announced while the slow subscriber holds its first webhook: the fast one gets them meanwhile.
    await eventually(() => expect(fast.received).toHaveLength(3), { name: 'the fast subscriber has all three', timeout: 8000 });
    expect(slow.received).toHaveLength(0);
    slow.answer(200);
    await eventually(() => expect(slow.received).toHaveLength(3), { name: 'the slow subscriber has all three' });
    for (const receiver of [fast, slow])
      expect(receiver.received.map((r) => (JSON.parse(r.body) as { data: { centreId: string } }).data.centreId)).toEqual(opened);
    for (const subscription of [slowSubscription, fastSubscription]) await call('DELETE', `/subscriptions/${subscription.id}`);
    await Promise.all([slow.close(), fast.close()]);
  });

  it('records new announcements for a subscriber while its webhook is still answering', async () => {
    const receiver = await startHoldingReceiver();
    const subscription = await subscribe(receiver.url);
    const deliveries = async () =>
      (
        await service.app.get(DataSource).query(`SELECT count(*)::int AS n FROM deliveries WHERE subscription_id = $1`, [subscription.id])
      )[0].n as number;

    const first = await openAndFund();
    await receiver.held;
    const second = await openAndFund();

    await eventually(async () => expect(await deliveries()).toBe(2), { name: 'second delivery recorded while the first is attempted' });
    receiver.answer(200);
    await eventually(() => expect(receiver.received).toHaveLength(2), { name: 'both delivered' });
    const order = receiver.received.map((r) => (JSON.parse(r.body) as { data: { centreId: string } }).data.centreId);
    expect(order).toEqual([first, second]);
    await call('DELETE', `/subscriptions/${subscription.id}`);
    await receiver.close();
  });
});
