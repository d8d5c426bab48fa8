import { eventually, startTestService, TestService } from '@ki/testing';
import { DataSource } from 'typeorm';
import { DEVELOPMENT_API_KEY } from '../config';
import { notificationsService } from '../service';

const WRITER = 'writer-key-0123456789abcdef';
const OPERATOR = 'operator-key-0123456789abcdef';
const OTHER_WRITER = 'other-writer-key-0123456789';

describe('the subscriptions API', () => {
  let service: TestService;

  beforeAll(async () => {
    service = await startTestService(notificationsService, {
      env: {
        NOTIFICATIONS_API_KEYS: `ops:${WRITER}:notifications:write,operator:${OPERATOR}:notifications:operator,press:${OTHER_WRITER}:notifications:write`,
        IDEMPOTENCY_PRUNE_INTERVAL_MS: '200',
      },
    });
  });

  afterAll(() => service.close());

  const call = async (method: string, path: string, body?: unknown, key: string | null = WRITER, idempotencyKey?: string) => {
    const res = await fetch(`${service.url}${path}`, {
      method,
      headers: {
        'content-type': 'application/json',
        ...(key ? { 'x-api-key': key } : {}),
        ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return {
      status: res.status,
      body: (res.status === 204 ? undefined : await res.json()) as Record<string, unknown> & { message: string[] },
    };
  };

  it('shows the secret of a new webhook subscriber once and never again', async () => {
    const created = await call('POST', '/subscriptions', {
      channel: 'webhook',
      url: 'https://93.184.215.14/hooks/ki',
      eventKinds: ['opening', 'funding'],
      description: 'Pressestelle',
    });
    const listed = await call('GET', '/subscriptions');
    const one = await call('GET', `/subscriptions/${created.body.id}`);

    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ channel: 'webhook', target: 'https://93.184.215.14/hooks/ki', status: 'active' });
    expect(created.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(JSON.stringify(listed.body)).not.toContain(String(created.body.secret));
    expect(one.body).not.toHaveProperty('secret');
  });

  describe('with an Idempotency-Key', () => {
    const webhook = { channel: 'webhook', url: 'https://93.184.215.14/hooks/idempotent', eventKinds: ['opening'] };
    const stored = () => service.app.get(DataSource).query(`SELECT key, scope, response::text AS response FROM http_idempotency`);

    it('stores no secret: the replay answers without it', async () => {
      const first = await call('POST', '/subscriptions', webhook, WRITER, 'create-press-hook');
      const replay = await call('POST', '/subscriptions', webhook, WRITER, 'create-press-hook');

      expect(first.body.secret).toMatch(/^whsec_/);
      expect(replay.status).toBe(201);
      expect(replay.body.id).toBe(first.body.id);
      expect(replay.body).not.toHaveProperty('secret');
      const rows = (await stored()) as { response: string }[];
      expect(rows.some((r) => r.response.includes(String(first.body.id)))).toBe(true);
      expect(rows.map((r) => r.response).join('\n')).not.toContain('whsec_');
    });

    it("keeps each caller's keys apart: another API key with the same Idempotency-Key gets an answer of its own", async () => {
      const mine = await call('POST', '/subscriptions', webhook, WRITER, 'shared-key-name');
      const theirs = await call('POST', '/subscriptions', webhook, OTHER_WRITER, 'shared-key-name');

      expect(theirs.status).toBe(201);
      expect(theirs.body.id).not.toBe(mine.body.id);
      expect(theirs.body.secret).toMatch(/^whsec_/);
    });

    it('deletes keys older than a day on a timer', async () => {
      await service.app
        .get(DataSource)
        .query(
          `INSERT INTO http_idempotency (key, scope, body_hash, status, response, created_at) VALUES ('old', 'POST /subscriptions ops', 'x', 201, '{}', now() - interval '25 hours')`,
        );

      await eventually(async () => expect((await stored()).map((r: { key: string }) => r.key)).not.toContain('old'), {
        name: 'expired key pruned',
        timeout: 10_000,
      });
    });
  });

  it.each([
    ['http://127.0.0.1:8080/hook', 'NOTIFICATIONS.TARGET_LOOPBACK'],
    ['http://localhost/hook', 'NOTIFICATIONS.TARGET_LOOPBACK'],
    ['http://[::1]/hook', 'NOTIFICATIONS.TARGET_LOOPBACK'],
    ['http://10.0.0.7/hook', 'NOTIFICATIONS.TARGET_PRIVATE'],
    ['http://169.254.169.254/latest/meta-data', 'NOTIFICATIONS.TARGET_PRIVATE'],
    ['http://[2002:a9fe:a9fe::]/latest/meta-data', 'NOTIFICATIONS.TARGET_RESERVED'],
    ['http://[64:ff9b::a9fe:a9fe]/latest/meta-data', 'NOTIFICATIONS.TARGET_RESERVED'],
    ['http://[fec0::1]/hook', 'NOTIFICATIONS.TARGET_RESERVED'],
    ['ftp://example.org/hook', 'NOTIFICATIONS.URL_SCHEME'],
    ['https://user:secret@example.org/hook', 'NOTIFICATIONS.URL_CREDENTIALS'],
  ])('refuses the webhook target %s with 400 %s', async (url, code) => {
    const refused = await call('POST', '/subscriptions', { channel: 'webhook', url, eventKinds: ['opening'] });

    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe(code);
    expect(refused.body.message[0]).toMatch(/^url: /);
  });

  it('answers an invalid body with 400 naming every field', async () => {
    const invalid = await call('POST', '/subscriptions', { channel: 'pigeon', eventKinds: ['closing'], extra: 1 });

    expect(invalid.status).toBe(400);
    expect(invalid.body.message).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^channel: /),
        expect.stringMatching(/^eventKinds: /),
        expect.stringMatching(/^extra: property extra should not exist/),
      ]),
    );
  });

  it('refuses an e-mail subscriber while no SMTP server is configured', async () => {
    const refused = await call('POST', '/subscriptions', { channel: 'email', email: 'presse@example.org', eventKinds: ['opening'] });

    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('NOTIFICATIONS.EMAIL_NOT_CONFIGURED');
  });

  it('wants a key with notifications:write for subscriptions and notifications:operator for the delivery log', async () => {
    const id = '00000000-0000-4000-8000-000000000000';
    expect((await call('GET', '/subscriptions', undefined, null)).status).toBe(401);
    expect((await call('GET', '/subscriptions', undefined, OPERATOR)).status).toBe(403);
    expect((await call('GET', `/announcements/${id}/deliveries`, undefined, WRITER)).status).toBe(403);
    expect((await call('GET', `/announcements/${id}/deliveries`, undefined, OPERATOR)).status).toBe(404);
    expect((await call('GET', '/subscriptions', undefined, DEVELOPMENT_API_KEY)).status).toBe(401);
  });

  it('deletes a subscriber, after which it is gone', async () => {
    const created = await call('POST', '/subscriptions', {
      channel: 'webhook',
      url: 'https://93.184.215.14/other',
      eventKinds: ['funding'],
    });

    const deleted = await call('DELETE', `/subscriptions/${created.body.id}`);

    expect(deleted.status).toBe(204);
    expect((await call('GET', `/subscriptions/${created.body.id}`)).status).toBe(404);
    expect((await call('DELETE', `/subscriptions/${created.body.id}`)).status).toBe(404);
  });
});
