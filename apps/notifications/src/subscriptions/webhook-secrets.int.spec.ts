import { EventTypes } from '@ki/contracts';
import { EventPublisher } from '@ki/messaging';
import {
  coesfeldOpened,
  createTestDatabase,
  eventually,
  startTestService,
  testKafka,
  TestDatabase,
  TestService,
  uniqueTopicPrefix,
} from '@ki/testing';
import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { notificationsService } from '../service';
import { fundingAllocated } from '../test-support/funding-fixtures';
import { ReceivedWebhook, startWebhookReceiver } from '../test-support/webhook-receiver';
import { SecretBox } from './domain/secret-box';
import { generateWebhookSecret, verifyWebhook } from './domain/webhook-signature';

const WRITER = 'writer-key-0123456789abcdef';
const KEY_A = randomBytes(32);
const KEY_B = randomBytes(32);

interface StoredSecrets {
  secret: string;
  previous_secret: string | null;
  previous_secret_until: Date | null;
}

/** Verifies a received delivery with `secret` the way a Standard Webhooks receiver does. */
function verifies(secret: string, received: ReceivedWebhook): boolean {
  const headers = {
    id: String(received.headers['webhook-id']),
    timestamp: String(received.headers['webhook-timestamp']),
    signature: String(received.headers['webhook-signature']),
  };
  return verifyWebhook(secret, headers, received.body, Math.floor(Date.now() / 1000));
}

describe('webhook secrets at rest and their rotation', () => {
  const topicPrefix = uniqueTopicPrefix();
  let database: TestDatabase;
  let db: Client;
  let service: TestService | undefined;
  let registry: EventPublisher;
  let ledger: EventPublisher;
  const logs: string[] = [];
  const receivers: Awaited<ReturnType<typeof startWebhookReceiver>>[] = [];

  const start = (keys: string, extra: Record<string, string> = {}) =>
    startTestService(notificationsService, {
      database,
      topicPrefix,
      logSink: (line) => logs.push(line),
      env: {
        NOTIFICATIONS_API_KEYS: `ops:${WRITER}:notifications:write`,
        NOTIFICATIONS_SECRET_KEYS: keys,
        NOTIFICATIONS_FUNDING_WAIT_MS: '600000',
        NOTIFICATIONS_POLL_INTERVAL_MS: '50',
        NOTIFICATIONS_WEBHOOK_ALLOW_LOOPBACK: 'true',
        LOG_LEVEL: 'info',
        ...extra,
      },
    });
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${service?.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', 'x-api-key': WRITER },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const subscribe = async () => {
    const receiver = await startWebhookReceiver();
    receivers.push(receiver);
    const created = await call('POST', '/subscriptions', { channel: 'webhook', url: receiver.url, eventKinds: ['opening'] });
    expect(created.status).toBe(201);
    return { receiver, id: created.body.id as string, secret: created.body.secret as string };
  };
  const stored = async (id: string): Promise<StoredSecrets> =>
    (await db.query<StoredSecrets>(`SELECT secret, previous_secret, previous_secret_until FROM subscriptions WHERE id = $1`, [id])).rows[0];
  /** Publishes an opening with its allocation, which announces it to every subscriber at once. */
  const announceOpening = async () => {
    const opened = coesfeldOpened();
    const envelope = await registry.publish(EventTypes.CentreOpenedV1, opened);
    await ledger.publish(EventTypes.FundingAllocatedV1, fundingAllocated(opened, envelope.id));
  };
  const nthDelivery = (receiver: { received: ReceivedWebhook[] }, n: number) =>
    eventually(
      () => {
        expect(receiver.received.length).toBeGreaterThanOrEqual(n);
        return receiver.received[n - 1];
      },
      { name: `delivery ${n}` },
    );
  const stop = async () => {
    await service?.close();
    service = undefined;
  };

  beforeAll(async () => {
    database = await createTestDatabase('notifications_secrets');
    db = new Client({ connectionString: database.url });
    await db.connect();
    const kafka = testKafka();
    registry = new EventPublisher(kafka, { source: '/ki/registry', topicPrefix });
    ledger = new EventPublisher(kafka, { source: '/ki/funding-ledger', topicPrefix });
    service = await start(`a:${KEY_A.toString('base64')}`);
  });

  afterAll(async () => {
    await stop();
    await registry.close();
    await ledger.close();
    await Promise.all(receivers.map((r) => r.close()));
    await db.end();
    await database.drop();
  });

  afterEach(() => {
    // Neither a key nor a webhook secret is ever logged.
    const text = logs.join('\n');
    for (const key of [KEY_A, KEY_B]) expect(text).not.toContain(key.toString('base64'));
    expect(text).not.toMatch(/whsec_/);
  });

  it('stores a webhook secret only encrypted, under the first key, and signs deliveries with it', async () => {
    const { receiver, id, secret } = await subscribe();

    const row = await stored(id);
    expect(row.secret).toMatch(/^v1:a:[A-Za-z0-9+/]+=*$/);
    expect(row.secret).not.toContain(secret);
    expect(row.secret).not.toContain(secret.slice('whsec_'.length));
    expect(new SecretBox([{ id: 'a', key: KEY_A }]).decrypt(row.secret, id)).toBe(secret);

    await announceOpening();
    const delivered = await nthDelivery(receiver, 1);
    expect(String(delivered.headers['webhook-signature']).split(' ')).toHaveLength(1);
    expect(verifies(secret, delivered)).toBe(true);
    expect(verifies(generateWebhookSecret(), delivered)).toBe(false);
  });

  it('rotates a secret: both signatures during the overlap, only the new one after it, and the old secret deleted', async () => {
    const { receiver, id, secret: oldSecret } = await subscribe();

    const rotated = await call('POST', `/subscriptions/${id}/rotate-secret`, {});
    expect(rotated.status).toBe(200);
    const newSecret = rotated.body.secret as string;
    expect(newSecret).toMatch(/^whsec_/);
    expect(newSecret).not.toBe(oldSecret);
    // The default overlap is a day.
    const until = new Date(rotated.body.previousSecretValidUntil as string).getTime();
    expect(Math.abs(until - Date.now() - 24 * 3600 * 1000)).toBeLessThan(60_000);
    const row = await stored(id);
    expect(row.secret).toMatch(/^v1:a:/);
    expect(row.previous_secret).toMatch(/^v1:a:/);
    expect(`${row.secret} ${row.previous_secret}`).not.toContain(newSecret.slice('whsec_'.length));
    expect(`${row.secret} ${row.previous_secret}`).not.toContain(oldSecret.slice('whsec_'.length));

    await announceOpening();
    const during = await nthDelivery(receiver, 1);
    const signatures = String(during.headers['webhook-signature']).split(' ');
    expect(signatures).toHaveLength(2);
    expect(signatures.every((s) => s.startsWith('v1,'))).toBe(true);
    expect(verifies(newSecret, during)).toBe(true);
    expect(verifies(oldSecret, during)).toBe(true);
    expect(verifies(generateWebhookSecret(), during)).toBe(false);

    // The overlap ends (as if a day had passed).
    await db.query(`UPDATE subscriptions SET previous_secret_until = now() - interval '1 second' WHERE id = $1`, [id]);
    await announceOpening();
    const after = await nthDelivery(receiver, 2);
    expect(String(after.headers['webhook-signature']).split(' ')).toHaveLength(1);
    expect(verifies(newSecret, after)).toBe(true);
    expect(verifies(oldSecret, after)).toBe(false);
    expect(await stored(id)).toMatchObject({ previous_secret: null, previous_secret_until: null });
  });

  it('rotates with an overlap given by the caller, and refuses e-mail subscriptions, unknown ids and bad overlaps', async () => {
    const { id } = await subscribe();

    const at = await call('POST', `/subscriptions/${id}/rotate-secret`, { overlapSeconds: 3600 });
    expect(at.status).toBe(200);
    expect(Math.abs(new Date(at.body.previousSecretValidUntil as string).getTime() - Date.now() - 3600_000)).toBeLessThan(60_000);
    const none = await call('POST', `/subscriptions/${id}/rotate-secret`, { overlapSeconds: 0 });
    expect(none.body.previousSecretValidUntil).toBeNull();
    expect(await stored(id)).toMatchObject({ previous_secret: null, previous_secret_until: null });

    expect((await call('POST', `/subscriptions/${id}/rotate-secret`, { overlapSeconds: -1 })).status).toBe(400);
    expect((await call('POST', `/subscriptions/${id}/rotate-secret`, { overlapSeconds: 'soon' })).status).toBe(400);
    expect((await call('POST', `/subscriptions/${randomUUID()}/rotate-secret`, {})).status).toBe(404);
    const anonymous = await fetch(`${service?.url}/subscriptions/${id}/rotate-secret`, { method: 'POST' });
    expect(anonymous.status).toBe(401);
    await db.query(`INSERT INTO subscriptions (id, channel, target, event_kinds) VALUES ($1, 'email', 'presse@example.org', '{opening}')`, [
      (await db.query<{ id: string }>(`SELECT gen_random_uuid() AS id`)).rows[0].id,
    ]);
    const email = (await db.query<{ id: string }>(`SELECT id FROM subscriptions WHERE channel = 'email'`)).rows[0].id;
    const refused = await call('POST', `/subscriptions/${email}/rotate-secret`, {});
    expect(refused).toMatchObject({ status: 409, body: { code: 'NOTIFICATIONS.NOT_A_WEBHOOK' } });
  });

  it('after a key change (new key first, old one second) decrypts the old rows, encrypts them and plain-text ones under the new key', async () => {
    const { receiver, id, secret } = await subscribe();
    await stop();
    // A secret from before encryption at rest.
    const plainId = randomUUID();
    const plainSecret = generateWebhookSecret();
    await db.query(`INSERT INTO subscriptions (id, channel, target, event_kinds, secret) VALUES ($1, 'webhook', $2, '{funding}', $3)`, [
      plainId,
      receiver.url,
      plainSecret,
    ]);

    service = await start(`b:${KEY_B.toString('base64')},a:${KEY_A.toString('base64')}`);

    const all = await db.query<{ secret: string }>(`SELECT secret FROM subscriptions WHERE secret IS NOT NULL`);
    expect(all.rows.length).toBeGreaterThanOrEqual(4);
    expect(all.rows.every((r) => /^v1:b:/.test(r.secret))).toBe(true);
    const onlyB = new SecretBox([{ id: 'b', key: KEY_B }]);
    expect(onlyB.decrypt((await stored(id)).secret, id)).toBe(secret);
    expect(onlyB.decrypt((await stored(plainId)).secret, plainId)).toBe(plainSecret);
    expect(logs.join('\n')).toMatch(/encrypted \d+ webhook secret\(s\) under key id b/);

    await announceOpening();
    const delivered = await nthDelivery(receiver, 1);
    expect(verifies(secret, delivered)).toBe(true);
  });

  it('refuses to start when the configured keys cannot decrypt the stored secrets, or without keys in production', async () => {
    await stop();
    const before = (await db.query<{ secret: string }>(`SELECT secret FROM subscriptions WHERE secret IS NOT NULL ORDER BY id`)).rows;
    const keyC = randomBytes(32).toString('base64');

    const wrongKey = start(`c:${keyC}`);
    await expect(wrongKey).rejects.toThrow(
      /NOTIFICATIONS_SECRET_KEYS cannot decrypt the webhook secrets of \d+ subscription\(s\).*key id b is not configured/,
    );
    await expect(wrongKey).rejects.not.toThrow(keyC);
    // A key of the same id that is not the one used: the values do not authenticate.
    await expect(start(`b:${keyC}`)).rejects.toThrow(/does not authenticate under key id b/);
    expect((await db.query<{ secret: string }>(`SELECT secret FROM subscriptions WHERE secret IS NOT NULL ORDER BY id`)).rows).toEqual(
      before,
    );

    await expect(start('', { NODE_ENV: 'production' })).rejects.toThrow(/NOTIFICATIONS_SECRET_KEYS must be set/);
  });
});
