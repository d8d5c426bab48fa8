import fs from 'node:fs';
import type { KafkaConfig, SASLOptions } from 'kafkajs';
import { ConfigError } from './config';
import { Secret } from './secret';

/** SASL mechanisms a client may use; the cluster of infra/kafka and compose use SCRAM-SHA-512. */
export const KAFKA_SASL_MECHANISMS = ['scram-sha-512', 'scram-sha-256', 'plain'] as const;
export type KafkaSaslMechanism = (typeof KAFKA_SASL_MECHANISMS)[number];

/** How a Kafka client authenticates and encrypts: nothing of it on a development broker. */
export interface KafkaSecurity {
  sasl?: { mechanism: KafkaSaslMechanism; username: string; password: Secret };
  /** TLS towards the brokers; `caFile` when the brokers' certificates come from a private CA. */
  tls?: { caFile?: string };
}

/** The variables every Kafka client of the system reads (services, CLI, bench, tests). */
export interface KafkaSecurityEnv {
  KAFKA_SASL_MECHANISM?: string;
  KAFKA_SASL_USERNAME?: string;
  KAFKA_SASL_PASSWORD?: string;
  KAFKA_TLS?: string;
  KAFKA_TLS_CA_FILE?: string;
}

/**
 * Reads SASL and TLS settings; throws a ConfigError naming each wrong or missing variable
 * (never printing the password).
 */
export function readKafkaSecurity(env: KafkaSecurityEnv): KafkaSecurity {
  const problems: string[] = [];
  const security: KafkaSecurity = {};
  const mechanism = env.KAFKA_SASL_MECHANISM?.toLowerCase();
  if (mechanism) {
    if (!(KAFKA_SASL_MECHANISMS as readonly string[]).includes(mechanism))
      problems.push(`KAFKA_SASL_MECHANISM="${env.KAFKA_SASL_MECHANISM}": must be one of ${KAFKA_SASL_MECHANISMS.join(', ')}`);
    if (!env.KAFKA_SASL_USERNAME) problems.push('KAFKA_SASL_USERNAME: required with KAFKA_SASL_MECHANISM');
    if (!env.KAFKA_SASL_PASSWORD) problems.push('KAFKA_SASL_PASSWORD: required with KAFKA_SASL_MECHANISM');
    security.sasl = {
      mechanism: mechanism as KafkaSaslMechanism,
      username: env.KAFKA_SASL_USERNAME ?? '',
      password: new Secret(env.KAFKA_SASL_PASSWORD ?? ''),
    };
  } else if (env.KAFKA_SASL_USERNAME || env.KAFKA_SASL_PASSWORD) {
    problems.push('KAFKA_SASL_MECHANISM: required with KAFKA_SASL_USERNAME/KAFKA_SASL_PASSWORD (e.g. scram-sha-512)');
  }
  const tls = env.KAFKA_TLS?.toLowerCase();
  if (tls && !['0', '1', 'true', 'false'].includes(tls)) problems.push(`KAFKA_TLS="${env.KAFKA_TLS}": must be 1/true or 0/false`);
  if (tls === '1' || tls === 'true' || env.KAFKA_TLS_CA_FILE) {
    if (env.KAFKA_TLS_CA_FILE && !fs.existsSync(env.KAFKA_TLS_CA_FILE))
      problems.push(`KAFKA_TLS_CA_FILE="${env.KAFKA_TLS_CA_FILE}": no such file`);
    security.tls = { caFile: env.KAFKA_TLS_CA_FILE };
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return security;
}

/** The kafkajs options of `security`: the one place where the password is revealed. */
export function kafkaJsSecurity(security: KafkaSecurity): Pick<KafkaConfig, 'sasl' | 'ssl'> {
  const options: Pick<KafkaConfig, 'sasl' | 'ssl'> = {};
  if (security.sasl) {
    const { mechanism, username, password } = security.sasl;
    options.sasl = { mechanism, username, password: password.reveal() } as SASLOptions;
  }
  if (security.tls) options.ssl = security.tls.caFile ? { ca: [fs.readFileSync(security.tls.caFile, 'utf8')] } : true;
  return options;
}

/** "principal ki-registry (SCRAM-SHA-512)" or "no SASL", for logs and health. */
export function describeKafkaIdentity(security: KafkaSecurity): string {
  return security.sasl ? `principal ${security.sasl.username} (SASL ${security.sasl.mechanism.toUpperCase()})` : 'no SASL authentication';
}

/** True when a kafkajs error says the broker refused the client's credentials. */
export function isKafkaAuthenticationError(err: unknown): boolean {
  for (let e = err as { name?: string; message?: string; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (e.name === 'KafkaJSSASLAuthenticationError' || /SASL .*authentication failed|Authentication failed/i.test(e.message ?? ''))
      return true;
  }
  return false;
}

/** What to say about a failed broker call: a refused login names the principal and the variables to check. */
export function describeKafkaFailure(err: unknown, security: KafkaSecurity): string {
  if (isKafkaAuthenticationError(err)) {
    return `Kafka authentication failed for ${describeKafkaIdentity(security)}: the broker refused the credentials (check KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD)`;
  }
  return (err as Error).message;
}
