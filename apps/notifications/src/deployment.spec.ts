import { composeService, describeComposeService, envExample, requiredVariable, sampleEnvFile } from '@ki/testing';
import { loadNotificationsConfig } from './config';

describeComposeService('notifications', loadNotificationsConfig);

describe('docker-compose.yml notifications secret keys', () => {
  it('takes the keys that encrypt webhook secrets from .env, where .env.example documents them without a value', () => {
    const raw = composeService('notifications').environment ?? {};

    expect(requiredVariable(raw.NOTIFICATIONS_SECRET_KEYS)).toBe('NOTIFICATIONS_SECRET_KEYS');
    expect(envExample().NOTIFICATIONS_SECRET_KEYS).toBe('');
    const config = loadNotificationsConfig({ NODE_ENV: 'production', ...sampleEnvFile() });
    expect(config.developmentSecretKey).toBe(false);
    expect(config.secretBox.currentKeyId).toBe('sample');
  });
});
