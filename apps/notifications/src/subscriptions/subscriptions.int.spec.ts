import { startTestService, TestService } from '@ki/testing';
import { DEVELOPMENT_API_KEY } from '../config';
import { notificationsService } from '../service';

const WRITER = 'writer-key-0123456789abcdef';
const OPERATOR = 'operator-key-0123456789abcdef';

describe('the subscriptions API', () => {
  let service: TestService;

  beforeAll(async () => {
    service = await startTestService(notificationsService, {
      env: { NOTIFICATIONS_API_KEYS: `ops:${WRITER}:notifications:write,operator:${OPERATOR}:notifications:operator` },
    });
  });

  afterAll(() => service.close());

  const call = async (method: string, path: string, body?: unknown, key: string | null = WRITER) => {
    const res = await fetch(`${service.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(key ? { 'x-api-key': key } : {}) },
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

  it.each([
    ['http://127.0.0.1:8080/hook', 'NOTIFICATIONS.TARGET_LOOPBACK'],
    ['http://localhost/hook', 'NOTIFICATIONS.TARGET_LOOPBACK'],
    ['http://[::1]/hook', 'NOTIFICATIONS.TARGET_LOOPBACK'],
    ['http://10.0.0.7/hook', 'NOTIFICATIONS.TARGET_PRIVATE'],
    ['http://169.254.169.254/latest/meta-data', 'NOTIFICATIONS.TARGET_PRIVATE'],
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
