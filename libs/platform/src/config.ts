import { plainToInstance, Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, validateSync, ValidationError } from 'class-validator';
import { KafkaSecurity, readKafkaSecurity } from './kafka-security';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Environment variables every service reads. Nothing outside config code reads process.env. */
export class ServiceEnv {
  /** HTTP port of the service. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(65535)
  PORT?: number;

  /** Interface to listen on; 0.0.0.0 inside containers. */
  @IsOptional()
  @Matches(/^[0-9a-f.:]+$|^localhost$/i, { message: 'HOST must be an IP address or localhost' })
  HOST?: string;

  /** PostgreSQL database of this service. */
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/.+/, { message: 'DATABASE_URL must look like postgres://user@host:5432/database' })
  DATABASE_URL?: string;

  /** Comma-separated Kafka bootstrap servers. */
  @IsOptional()
  @Matches(/^[^,\s]+:\d+(,[^,\s]+:\d+)*$/, { message: 'KAFKA_BROKERS must be host:port[,host:port...]' })
  KAFKA_BROKERS?: string;

  /** Prefix of every topic name; isolates environments that share one broker. */
  @IsOptional()
  @Matches(/^[a-zA-Z0-9._-]*$/, { message: 'KAFKA_TOPIC_PREFIX may contain letters, digits, ".", "_" and "-" only' })
  KAFKA_TOPIC_PREFIX?: string;

  /** SASL mechanism towards the brokers (`scram-sha-512` on the secured cluster); unset: no SASL. */
  @IsOptional()
  @IsString()
  KAFKA_SASL_MECHANISM?: string;

  /** The service's Kafka principal, e.g. `ki-registry`. */
  @IsOptional()
  @IsString()
  KAFKA_SASL_USERNAME?: string;

  /** Its password; never logged. */
  @IsOptional()
  @IsString()
  KAFKA_SASL_PASSWORD?: string;

  /** `1`: TLS towards the brokers. */
  @IsOptional()
  @IsString()
  KAFKA_TLS?: string;

  /** CA certificate (PEM) the brokers' certificates are checked against; the system's trust store otherwise. */
  @IsOptional()
  @IsString()
  KAFKA_TLS_CA_FILE?: string;

  /**
   * Connects to brokers through other addresses, e.g. an SSH tunnel or a port forward:
   * `advertised-host:port=reachable-host:port,...`. Brokers not listed are reached directly.
   */
  @IsOptional()
  @Matches(/^[^,=\s]+:\d+=[^,=\s]+:\d+(,[^,=\s]+:\d+=[^,=\s]+:\d+)*$/, { message: 'KAFKA_CONNECT_VIA must be host:port=host:port[,...]' })
  KAFKA_CONNECT_VIA?: string;

  /**
   * Prefix of the Kafka consumer group ids, for tests only: suites that run in parallel on one
   * broker each get groups of their own. Inbox rows and dead letters keep the group's name.
   */
  @IsOptional()
  @Matches(/^[a-zA-Z0-9._-]*$/, { message: 'KAFKA_GROUP_ID_PREFIX may contain letters, digits, ".", "_" and "-" only' })
  KAFKA_GROUP_ID_PREFIX?: string;

  @IsOptional()
  @IsIn(LOG_LEVELS)
  LOG_LEVEL?: LogLevel;

  /** Requests one client address may make per minute before it gets 429 (health probes are not counted). */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  HTTP_RATE_LIMIT_PER_MINUTE?: number;

  /** How often expired Idempotency-Keys are deleted. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(100)
  IDEMPOTENCY_PRUNE_INTERVAL_MS?: number;

  /** `production` makes development fallbacks (published API keys) an error at start. */
  @IsOptional()
  @IsIn(['development', 'test', 'production'])
  NODE_ENV?: 'development' | 'test' | 'production';
}

/** Typed, validated configuration shared by all services. */
export interface ServiceConfig {
  /** Service name, used as Kafka client id, log name and CloudEvents source. */
  service: string;
  http: { host: string; port: number; rateLimitPerMinute: number };
  databaseUrl: string;
  /** `groupIdPrefix` goes before every consumer group id on the broker; empty outside tests. */
  kafka: {
    brokers: string[];
    clientId: string;
    topicPrefix: string;
    groupIdPrefix: string;
    security: KafkaSecurity;
    connectVia?: Record<string, string>;
  };
  logLevel: LogLevel;
  /** How often expired Idempotency-Keys are deleted (ms). */
  idempotencyPruneIntervalMs: number;
}

/** Defaults of one service. */
export interface ServiceDefaults {
  service: string;
  port: number;
  database: string;
}

/** Raised at boot when the environment is invalid; names every failing variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
}

/** Variables whose whole value is a secret. */
const SECRET_NAME = /KEY|SECRET|PASSWORD|TOKEN/i;

/**
 * A value as a configuration error may print it: a secret variable not at all, the password of a
 * URL (`scheme://user:password@host`) masked, since start-up errors end up in logs.
 */
export function printableValue(name: string, value: unknown): string {
  if (SECRET_NAME.test(name)) return '"•••"';
  return JSON.stringify(typeof value === 'string' ? value.replace(/(\/\/[^/@\s:]*):[^/@\s]*@/g, '$1:•••@') : value);
}

function describe(errors: ValidationError[]): string[] {
  return errors.flatMap((e) => Object.values(e.constraints ?? {}).map((m) => `${e.property}=${printableValue(e.property, e.value)}: ${m}`));
}

/** Validates `env` against an env class (ServiceEnv or a subclass) and returns the typed instance. */
export function validateEnv<E extends ServiceEnv>(envClass: new () => E, env: NodeJS.ProcessEnv): E {
  const values = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = plainToInstance(envClass, values);
  const errors = validateSync(parsed, { forbidUnknownValues: true });
  if (errors.length > 0) throw new ConfigError(describe(errors));
  return parsed;
}

/** The shared part of a service's configuration, with local-development defaults. */
export function serviceConfig(defaults: ServiceDefaults, env: ServiceEnv): ServiceConfig {
  // Group ids are part of the contract with the broker (a renamed group reads every topic again).
  if (env.NODE_ENV === 'production' && env.KAFKA_GROUP_ID_PREFIX)
    throw new ConfigError([`KAFKA_GROUP_ID_PREFIX=${JSON.stringify(env.KAFKA_GROUP_ID_PREFIX)}: tests only, not with NODE_ENV=production`]);
  return {
    service: defaults.service,
    http: { host: env.HOST ?? '127.0.0.1', port: env.PORT ?? defaults.port, rateLimitPerMinute: env.HTTP_RATE_LIMIT_PER_MINUTE ?? 600 },
    databaseUrl: env.DATABASE_URL ?? `postgres://postgres@127.0.0.1:5432/${defaults.database}`,
    kafka: {
      brokers: (env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
      clientId: defaults.service,
      topicPrefix: env.KAFKA_TOPIC_PREFIX ?? '',
      security: readKafkaSecurity(env),
      ...(env.KAFKA_CONNECT_VIA
        ? { connectVia: Object.fromEntries(env.KAFKA_CONNECT_VIA.split(',').map((pair) => pair.split('=') as [string, string])) }
        : {}),

      groupIdPrefix: env.KAFKA_GROUP_ID_PREFIX ?? '',
    },
    logLevel: env.LOG_LEVEL ?? 'info',
    idempotencyPruneIntervalMs: env.IDEMPOTENCY_PRUNE_INTERVAL_MS ?? 3_600_000,
  };
}
