import { ConfigError } from '@ki/platform';
import { DEVELOPMENT_API_KEY, loadNotificationsConfig } from './config';

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
    expect(() => loadNotificationsConfig({ NOTIFICATIONS_PRESS_OFFICE: 'a\nb' })).toThrow('NOTIFICATIONS_PRESS_OFFICE');
  });

  it('refuses to run on the published development key unless NODE_ENV is development or test', () => {
    expect(() => loadNotificationsConfig({ NODE_ENV: 'production' })).toThrow('NOTIFICATIONS_API_KEYS must be set');
    expect(() => loadNotificationsConfig({})).toThrow('NOTIFICATIONS_API_KEYS must be set');
    expect(() => loadNotificationsConfig({ NODE_ENV: 'staging' })).toThrow(ConfigError);
  });

  it('reads every setting from the environment', () => {
    const config = loadNotificationsConfig({
      NOTIFICATIONS_API_KEYS: 'press:press-key-0123456789:notifications:write',
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
    });
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
