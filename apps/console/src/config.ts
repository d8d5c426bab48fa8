import { ConsumerGroup, ConsumerGroups } from '@ki/contracts';
import { ApiKey, apiKeysOrDevelopment, serviceConfig, ServiceConfig, ServiceEnv, validateEnv } from '@ki/platform';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';

/** Development key when CONSOLE_API_KEYS is unset; `npm start` prints it. Never use it in production. */
export const DEVELOPMENT_CONSOLE_KEY = 'ki-dev-console-key';

/** Roles of console keys: reading everything, replaying dead letters, seeing personal data unmasked, moving consumer group offsets. */
export const ConsoleRoles = { read: 'console:read', replay: 'console:replay', reveal: 'console:reveal', admin: 'console:admin' } as const;

const POSTGRES_URL = /^postgres(ql)?:\/\/.+/;
const POSTGRES_MESSAGE = 'must look like postgres://user@host:5432/database';

class ConsoleEnv extends ServiceEnv {
  /** API keys as name:key:role+role, comma-separated; roles console:read, console:replay, console:reveal, console:admin. */
  @IsOptional()
  @IsString()
  CONSOLE_API_KEYS?: string;

  /** Read-only URL of the registry's database (its messaging_inbox). */
  @IsOptional()
  @Matches(POSTGRES_URL, { message: `CONSOLE_REGISTRY_DATABASE_URL ${POSTGRES_MESSAGE}` })
  CONSOLE_REGISTRY_DATABASE_URL?: string;

  /** Read-only URL of the funding ledger's database. */
  @IsOptional()
  @Matches(POSTGRES_URL, { message: `CONSOLE_LEDGER_DATABASE_URL ${POSTGRES_MESSAGE}` })
  CONSOLE_LEDGER_DATABASE_URL?: string;

  /** Read-only URL of the notifications database. */
  @IsOptional()
  @Matches(POSTGRES_URL, { message: `CONSOLE_NOTIFICATIONS_DATABASE_URL ${POSTGRES_MESSAGE}` })
  CONSOLE_NOTIFICATIONS_DATABASE_URL?: string;

  /** Days the message index keeps a message (by its Kafka time); unset: forever. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(36_500)
  CONSOLE_INDEX_RETENTION_DAYS?: number;

  /** How often messages past the retention are deleted from the index. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1000)
  CONSOLE_INDEX_PRUNE_INTERVAL_MS?: number;

  /** Server-sent event streams one API key may hold open at once. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  CONSOLE_MAX_STREAMS_PER_KEY?: number;

  /** A journey step still missing this long after the step before it is flagged overdue. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1000)
  CONSOLE_OVERDUE_AFTER_MS?: number;

  /** A consumer with lag whose committed offset has not moved for this long is flagged stalled. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1000)
  CONSOLE_STALLED_AFTER_MS?: number;

  /** How often the rate and lag pictures take a sample (kept in memory for 15 minutes). */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(500)
  CONSOLE_SAMPLE_INTERVAL_MS?: number;
}

export interface ConsoleConfig extends ServiceConfig {
  apiKeys: ApiKey[];
  /** Database of each consumer group's service, read for its messaging_inbox. */
  inboxDatabases: Record<ConsumerGroup, string>;
  /** Days the index keeps a message; undefined: forever. */
  indexRetentionDays?: number;
  indexPruneIntervalMs: number;
  maxStreamsPerKey: number;
  overdueAfterMs: number;
  stalledAfterMs: number;
  sampleIntervalMs: number;
}

function localDatabase(name: string): string {
  return `postgres://postgres@127.0.0.1:5432/${name}`;
}

/** The console's configuration, validated once at boot. Its own database `ki_console` holds the message index. */
export function loadConsoleConfig(env: NodeJS.ProcessEnv): ConsoleConfig {
  const parsed = validateEnv(ConsoleEnv, env);
  return {
    ...serviceConfig({ service: 'console', port: 3000, database: 'ki_console' }, parsed),
    apiKeys: apiKeysOrDevelopment(parsed, 'CONSOLE_API_KEYS', DEVELOPMENT_CONSOLE_KEY, Object.values(ConsoleRoles)),
    inboxDatabases: {
      [ConsumerGroups.registry]: parsed.CONSOLE_REGISTRY_DATABASE_URL ?? localDatabase('ki_registry'),
      [ConsumerGroups.fundingLedger]: parsed.CONSOLE_LEDGER_DATABASE_URL ?? localDatabase('ki_ledger'),
      [ConsumerGroups.notifications]: parsed.CONSOLE_NOTIFICATIONS_DATABASE_URL ?? localDatabase('ki_notifications'),
    },
    indexRetentionDays: parsed.CONSOLE_INDEX_RETENTION_DAYS,
    indexPruneIntervalMs: parsed.CONSOLE_INDEX_PRUNE_INTERVAL_MS ?? 3_600_000,
    maxStreamsPerKey: parsed.CONSOLE_MAX_STREAMS_PER_KEY ?? 5,
    overdueAfterMs: parsed.CONSOLE_OVERDUE_AFTER_MS ?? 5 * 60_000,
    stalledAfterMs: parsed.CONSOLE_STALLED_AFTER_MS ?? 60_000,
    sampleIntervalMs: parsed.CONSOLE_SAMPLE_INTERVAL_MS ?? 10_000,
  };
}
