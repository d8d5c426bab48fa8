import type { ServiceConfig } from '@ki/platform';
import { COMPOSE_VARIABLE, composeEnvironment, composeService, envExample, repoFile, sampleEnvFile } from './compose';

/** The variable a compose value takes from .env as a whole (`${VAR:?…}`), or undefined for a literal. */
export function requiredVariable(value: string | number | undefined): string | undefined {
  return /^\$\{([A-Z0-9_]+):\?[^}]*\}$/.exec(String(value))?.[1];
}

/**
 * Declares the tests that docker-compose.yml runs service `name` from the production image with
 * the configuration its own code reads: the built JavaScript, the port and /health check,
 * NODE_ENV=production, its own database role and database, the broker with its own SASL user,
 * and every secret from .env.
 */
export function describeComposeService(name: string, loadConfig: (env: NodeJS.ProcessEnv) => ServiceConfig): void {
  describe(`docker-compose.yml service ${name}`, () => {
    const service = composeService(name);
    // NODE_ENV=test where the file sets none: these checks read ports and URLs, not keys.
    const env = { NODE_ENV: 'test', ...composeEnvironment(service, sampleEnvFile()) };
    const config = loadConfig(env);
    const defaults = loadConfig({ NODE_ENV: 'test' });
    const databases = JSON.parse(repoFile('infra/postgres/databases.json')) as Record<string, { database: string }>;
    const raw = service.environment ?? {};

    it('runs the built JavaScript of the service from the production Dockerfile', () => {
      expect(service.build).toEqual({ context: '.', dockerfile: 'infra/docker/Dockerfile' });
      expect(service.command).toEqual(['node', `dist/apps/${name}/main.js`]);
      expect(env.NODE_ENV).toBe('production');
    });

    it('listens on all interfaces on the default port, publishes that port and checks /health on it', () => {
      expect(config.http).toMatchObject({ host: '0.0.0.0', port: defaults.http.port });
      expect(service.ports).toEqual([`${defaults.http.port}:${defaults.http.port}`]);
      expect(service.healthcheck?.test.join(' ')).toContain(`http://127.0.0.1:${defaults.http.port}/health`);
    });

    it('takes its API keys and passwords from .env, where .env.example documents them without a value', () => {
      const keysVariable = Object.keys(raw).find((k) => k.endsWith('_API_KEYS'));
      const secrets = [raw[keysVariable ?? 'missing'], raw.KAFKA_SASL_PASSWORD].map(requiredVariable);
      for (const variable of secrets) {
        expect(variable).toBeDefined();
        expect(envExample()[variable as string]).toBe('');
      }
      for (const value of Object.values(raw))
        for (const [, variable] of String(value).matchAll(COMPOSE_VARIABLE)) expect(Object.keys(envExample())).toContain(variable);
    });

    it('reaches the broker on its internal listener as its own SASL/SCRAM user and waits for broker and database', () => {
      expect(config.kafka.brokers).toEqual(['kafka-1:19092', 'kafka-2:19092', 'kafka-3:19092']);
      expect(repoFile('infra/kafka/compose/node.sh')).toContain('advertised.listeners=CLIENT://kafka-${KAFKA_NODE_ID}:19092');
      expect(env).toMatchObject({ KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: `ki-${name}` });
      expect(Object.keys(env)).toEqual(expect.arrayContaining(['KAFKA_TLS', 'KAFKA_TLS_CA_FILE']));
      expect(service.depends_on).toEqual({
        'kafka-setup': { condition: 'service_completed_successfully' },
        postgres: { condition: 'service_healthy' },
      });
    });

    if (databases[name])
      it('logs in to its own database on the postgres container as the role that owns it, with a password from .env', () => {
        const url = new URL(config.databaseUrl);
        expect(url.hostname).toBe('postgres');
        expect(url.pathname).toBe(`/${databases[name].database}`);
        expect(new URL(defaults.databaseUrl).pathname).toBe(url.pathname);
        expect(url.username).toBe(databases[name].database);
        const password = requiredVariable(/^postgres:\/\/[^:]+:(\$\{[^}]+\})@/.exec(String(raw.DATABASE_URL))?.[1]);
        expect(password).toMatch(/_DB_PASSWORD$/);
        expect(url.password).toBe(sampleEnvFile()[password as string]);
        expect(repoFile('infra/postgres/init.sql')).toContain(`CREATE DATABASE ${url.username} OWNER ${url.username};`);
      });
  });
}
