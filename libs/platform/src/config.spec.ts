import { ConfigError, serviceConfig, ServiceEnv, validateEnv } from './config';

const defaults = { service: 'registry', port: 3001, database: 'ki_registry' };

describe('service configuration', () => {
  it('uses local-development defaults when nothing is set', () => {
    const config = serviceConfig(defaults, validateEnv(ServiceEnv, {}));
    expect(config).toEqual({
      service: 'registry',
      http: { host: '127.0.0.1', port: 3001, rateLimitPerMinute: 600 },
      databaseUrl: 'postgres://postgres@127.0.0.1:5432/ki_registry',
      kafka: { brokers: ['127.0.0.1:9092'], clientId: 'registry', topicPrefix: '', groupIdPrefix: '', security: {} },
      logLevel: 'info',
      idempotencyPruneIntervalMs: 3_600_000,
    });
  });

  it('takes values from the environment', () => {
    const env = validateEnv(ServiceEnv, { PORT: '4001', KAFKA_BROKERS: 'a:1,b:2', DATABASE_URL: 'postgres://u@db:5432/x' });
    const config = serviceConfig(defaults, env);
    expect(config.http.port).toBe(4001);
    expect(config.kafka.brokers).toEqual(['a:1', 'b:2']);
    expect(config.databaseUrl).toBe('postgres://u@db:5432/x');
  });

  it('never prints a password of an invalid URL', () => {
    const load = () => validateEnv(ServiceEnv, { DATABASE_URL: 'mysql://ki:s3cret-pw@db:3306/ki' });

    expect(load).toThrow('DATABASE_URL="mysql://ki:•••@db:3306/ki"');
    expect(load).not.toThrow(/s3cret/);
  });

  it('names every invalid variable', () => {
    let error: unknown;
    try {
      validateEnv(ServiceEnv, { PORT: 'eighty', KAFKA_BROKERS: 'nohost', LOG_LEVEL: 'loud', KAFKA_GROUP_ID_PREFIX: 'a b' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const variables = (error as ConfigError).problems.map((p) => p.split('=')[0]);
    expect(new Set(variables)).toEqual(new Set(['PORT', 'KAFKA_BROKERS', 'LOG_LEVEL', 'KAFKA_GROUP_ID_PREFIX']));
  });

  it('prefixes consumer group ids in tests and refuses a prefix in production, where group ids stay as declared', () => {
    const test = serviceConfig(defaults, validateEnv(ServiceEnv, { KAFKA_GROUP_ID_PREFIX: 't-1a2b.' }));
    expect(test.kafka.groupIdPrefix).toBe('t-1a2b.');
    expect(() => serviceConfig(defaults, validateEnv(ServiceEnv, { NODE_ENV: 'production', KAFKA_GROUP_ID_PREFIX: 't-1a2b.' }))).toThrow(
      /KAFKA_GROUP_ID_PREFIX.*NODE_ENV=production/,
    );
  });
});
