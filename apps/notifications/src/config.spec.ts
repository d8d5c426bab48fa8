import { ConfigError } from '@ki/platform';
import { randomBytes } from 'node:crypto';
import { DEVELOPMENT_API_KEY, DEVELOPMENT_SECRET_KEY_ID, loadNotificationsConfig } from './config';

const KEY_2025 = randomBytes(32).toString('base64');
const KEY_2026 = randomBytes(32).toString('base64');

describe('notifications configuration', () => {
  it('has defaults for local development, with the development key holding both roles', () => {
    const config = loadNotificationsConfig({ NODE_ENV: 'development' });

    expect(config.apiKeys).toEqual([
      { name: 'development', key: DEVELOPMENT_API_KEY, roles: ['notifications:write', 'notifications:operator'] },
    ]);
    expect(config.fundingWaitMs).toBe(300_000);
    expect(config.delivery).toEqual({
      retryInitialMs: 30_000,
      retryMaxMs: 3_600_000,
      maxAttempts: 15,
      disableAfterFailures: 30,
      timeoutMs: 10_000,
    });
    expect(config.webhookTargets).toEqual({ allowLoopback: false, allowPrivateNetworks: false });
    expect(config.mail.smtpUrl).toBeUndefined();
  });

  it('reads the press office block and contact line of the press releases', () => {
    const config = loadNotificationsConfig({
      NODE_ENV: 'test',
      NOTIFICATIONS_PRESS_OFFICE: 'Staatskanzlei | Pressestelle | 40190 Düsseldorf',
      NOTIFICATIONS_PRESS_CONTACT: 'Bei Nachfragen: Telefon 0211 837-1134',
    });

    expect(config.pressOffice).toEqual({
      sender: ['Staatskanzlei', 'Pressestelle', '40190 Düsseldorf'],
      contact: 'Bei Nachfragen: Telefon 0211 837-1134',
    });
    expect(loadNotificationsConfig({ NODE_ENV: 'test' }).pressOffice.sender).toEqual([
      'Kommunale Integrationszentren NRW',
      'Pressestelle',
      'presse@ki-network.invalid',
    ]);
    expect(() => loadNotificationsConfig({ NODE_ENV: 'test', NOTIFICATIONS_PRESS_OFFICE: 'a\nb' })).toThrow('NOTIFICATIONS_PRESS_OFFICE');
  });

  it('refuses to run on the published development key unless NODE_ENV is development or test', () => {
    expect(() => loadNotificationsConfig({ NODE_ENV: 'production' })).toThrow('NOTIFICATIONS_API_KEYS must be set');
    expect(() => loadNotificationsConfig({})).toThrow('NOTIFICATIONS_API_KEYS must be set');
    expect(() => loadNotificationsConfig({ NODE_ENV: 'staging' })).toThrow(ConfigError);
  });

  it('reads every setting from the environment', () => {
    const config = loadNotificationsConfig({
      NOTIFICATIONS_API_KEYS: 'press:press-key-0123456789:notifications:write',
      NOTIFICATIONS_SECRET_KEYS: `k2026:${KEY_2026}`,
      NOTIFICATIONS_FUNDING_WAIT_MS: '1500',
      NOTIFICATIONS_POLL_INTERVAL_MS: '200',
      NOTIFICATIONS_RETRY_INITIAL_MS: '100',
      NOTIFICATIONS_RETRY_MAX_MS: '800',
      NOTIFICATIONS_MAX_ATTEMPTS: '4',
      NOTIFICATIONS_DISABLE_AFTER_FAILURES: '3',
      NOTIFICATIONS_DELIVERY_TIMEOUT_MS: '2000',
      NOTIFICATIONS_WEBHOOK_ALLOW_LOOPBACK: 'true',
      NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'false',
      NOTIFICATIONS_SMTP_URL: 'smtp://mail.example.org:587',
      NOTIFICATIONS_MAIL_FROM: 'Presse <presse@example.org>',
      NOTIFICATIONS_PUBLIC_URL: 'https://ki.example.org',
    });

    expect(config).toMatchObject({
      apiKeys: [{ name: 'press', roles: ['notifications:write'] }],
      fundingWaitMs: 1500,
      pollIntervalMs: 200,
      delivery: { retryInitialMs: 100, retryMaxMs: 800, maxAttempts: 4, disableAfterFailures: 3, timeoutMs: 2000 },
      webhookTargets: { allowLoopback: true, allowPrivateNetworks: false },
      mail: { smtpUrl: 'smtp://mail.example.org:587', requireTls: true, from: 'Presse <presse@example.org>' },
      publicUrl: 'https://ki.example.org',
      developmentSecretKey: false,
    });
    expect(config.secretBox.currentKeyId).toBe('k2026');
  });

  it('refuses to start outside development and test without NOTIFICATIONS_SECRET_KEYS', () => {
    const production = { NODE_ENV: 'production', NOTIFICATIONS_API_KEYS: 'press:press-key-0123456789:notifications:write' };

    expect(() => loadNotificationsConfig(production)).toThrow(ConfigError);
    expect(() => loadNotificationsConfig(production)).toThrow(/NOTIFICATIONS_SECRET_KEYS must be set.*NODE_ENV is production/);
    expect(loadNotificationsConfig({ ...production, NOTIFICATIONS_SECRET_KEYS: `k2026:${KEY_2026}` }).developmentSecretKey).toBe(false);
    const test = loadNotificationsConfig({ NODE_ENV: 'test' });
    expect(test.developmentSecretKey).toBe(true);
    expect(test.secretBox.currentKeyId).toBe(DEVELOPMENT_SECRET_KEY_ID);
  });

  it('refuses malformed secret keys, naming the entry but never printing a key', () => {
    const shortKey = Buffer.from('Geheimnis-nur-16').toString('base64');
    const load = (keys: string) => () =>
      loadNotificationsConfig({
        NODE_ENV: 'production',
        NOTIFICATIONS_API_KEYS: 'p:press-key-0123456789:notifications:write',
        NOTIFICATIONS_SECRET_KEYS: keys,
      });

    expect(load(`k2026:${shortKey}`)).toThrow(/NOTIFICATIONS_SECRET_KEYS entry 1 \(k2026\): the key must be base64 of exactly 32 bytes/);
    expect(load(`k2026:${shortKey}`)).not.toThrow(new RegExp(shortKey.slice(0, 8)));
    expect(load(KEY_2026)).toThrow(/NOTIFICATIONS_SECRET_KEYS entry 1: must be keyId:base64/);
    expect(load(KEY_2026)).not.toThrow(new RegExp(KEY_2026.slice(0, 8)));
    expect(load(`k2026:${KEY_2026},k2026:${KEY_2025}`)).toThrow(/entry 2 \(k2026\): key id used twice/);
  });

  it('encrypts with the first secret key and decrypts with every one', () => {
    const old = loadNotificationsConfig({ NODE_ENV: 'test', NOTIFICATIONS_SECRET_KEYS: `k2025:${KEY_2025}` }).secretBox;
    const rotated = loadNotificationsConfig({
      NODE_ENV: 'test',
      NOTIFICATIONS_SECRET_KEYS: `k2026:${KEY_2026}, k2025:${KEY_2025}`,
    }).secretBox;
    const stored = old.encrypt('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'subscription-1');

    expect(rotated.currentKeyId).toBe('k2026');
    expect(rotated.decrypt(stored, 'subscription-1')).toBe('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
  });

  it('stops at boot naming every invalid variable', () => {
    const load = () =>
      loadNotificationsConfig({
        NOTIFICATIONS_FUNDING_WAIT_MS: 'soon',
        NOTIFICATIONS_WEBHOOK_ALLOW_LOOPBACK: 'yes',
        NOTIFICATIONS_SMTP_URL: 'http://mail.example.org',
      });

    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/NOTIFICATIONS_FUNDING_WAIT_MS=.*must be an integer number/);
    expect(load).toThrow(/NOTIFICATIONS_WEBHOOK_ALLOW_LOOPBACK="yes"/);
    expect(load).toThrow(/NOTIFICATIONS_SMTP_URL="http:\/\/mail.example.org"/);
  });

  it('requires TLS for SMTP unless NOTIFICATIONS_SMTP_REQUIRE_TLS=false', () => {
    const smtp = { NODE_ENV: 'test', NOTIFICATIONS_SMTP_URL: 'smtp://mail.example.org:587' };

    expect(loadNotificationsConfig(smtp).mail.requireTls).toBe(true);
    expect(loadNotificationsConfig({ ...smtp, NOTIFICATIONS_SMTP_REQUIRE_TLS: 'false' }).mail.requireTls).toBe(false);
  });

  it('never prints the password of an invalid SMTP URL', () => {
    const load = () =>
      loadNotificationsConfig({ NODE_ENV: 'test', NOTIFICATIONS_SMTP_URL: 'smtx://press:Geheim-2016@mail.example.org:465' });

    expect(load).toThrow(/NOTIFICATIONS_SMTP_URL="smtx:\/\/press:•••@mail.example.org:465"/);
    expect(load).not.toThrow(/Geheim/);
  });

  it('stops at boot when the longest retry delay is shorter than the first', () => {
    const load = () =>
      loadNotificationsConfig({ NODE_ENV: 'test', NOTIFICATIONS_RETRY_INITIAL_MS: '5000', NOTIFICATIONS_RETRY_MAX_MS: '1000' });

    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/NOTIFICATIONS_RETRY_MAX_MS=1000: must not be less than NOTIFICATIONS_RETRY_INITIAL_MS=5000/);
  });
});
