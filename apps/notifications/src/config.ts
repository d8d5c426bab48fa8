import { Type } from 'class-transformer';
import { createHash } from 'node:crypto';
import { IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { ApiKey, apiKeysOrDevelopment, ConfigError, serviceConfig, ServiceConfig, ServiceEnv, validateEnv } from '@ki/platform';
import type { PressOffice } from './announcements/domain/announcement';
import type { RetryPolicy } from './deliveries/domain/retry-policy';
import { SecretBox, SecretKey } from './subscriptions/domain/secret-box';
import type { TargetPolicy } from './subscriptions/domain/webhook-target';

/** Development key when NOTIFICATIONS_API_KEYS is unset; it has both roles. Never use it in production. */
export const DEVELOPMENT_API_KEY = 'ki-dev-notifications-key';

/** Id of the development key that encrypts webhook secrets when NOTIFICATIONS_SECRET_KEYS is unset. */
export const DEVELOPMENT_SECRET_KEY_ID = 'development';

/** Published, hence worthless outside development and tests: 32 bytes derived from a fixed phrase. */
const DEVELOPMENT_SECRET_KEY = createHash('sha256').update('ki-network development webhook secret key').digest();

/** Roles of the notifications API. */
export const Roles = {
  /** Create, list, delete and enable subscriptions. */
  write: 'notifications:write',
  /** Read the delivery log and resend deliveries. */
  operator: 'notifications:operator',
} as const;

const BOOLEAN = ['true', 'false'] as const;

class NotificationsEnv extends ServiceEnv {
  /** API keys as name:key:role+role, comma-separated. */
  @IsOptional()
  @IsString()
  NOTIFICATIONS_API_KEYS?: string;

  /** Keys that encrypt webhook secrets at rest, as keyId:base64-of-32-bytes, comma-separated; the first encrypts, all decrypt. */
  @IsOptional()
  @IsString()
  NOTIFICATIONS_SECRET_KEYS?: string;

  /** How long an opening waits for its funding result before it is announced alone. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(7 * 24 * 3600 * 1000)
  NOTIFICATIONS_FUNDING_WAIT_MS?: number;

  /** How often the funding-wait timer and the delivery dispatcher look for due work. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(10)
  @Max(60_000)
  NOTIFICATIONS_POLL_INTERVAL_MS?: number;

  /** First retry delay of a failed delivery; each further retry waits twice as long. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  NOTIFICATIONS_RETRY_INITIAL_MS?: number;

  /** Longest delay between two attempts of one delivery. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  NOTIFICATIONS_RETRY_MAX_MS?: number;

  /** Attempts of one delivery before it is given up. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  NOTIFICATIONS_MAX_ATTEMPTS?: number;

  /** Consecutive failed attempts after which a subscriber is disabled. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  NOTIFICATIONS_DISABLE_AFTER_FAILURES?: number;

  /** Time limit of one webhook request or SMTP conversation. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(120_000)
  NOTIFICATIONS_DELIVERY_TIMEOUT_MS?: number;

  /** Whether webhooks may target loopback addresses (127.0.0.0/8, ::1); tests and local development only. */
  @IsOptional()
  @IsIn(BOOLEAN, { message: 'NOTIFICATIONS_WEBHOOK_ALLOW_LOOPBACK must be true or false' })
  NOTIFICATIONS_WEBHOOK_ALLOW_LOOPBACK?: (typeof BOOLEAN)[number];

  /** Whether webhooks may target private networks (10/8, 172.16/12, 192.168/16, fc00::/7, link-local …). */
  @IsOptional()
  @IsIn(BOOLEAN, { message: 'NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE_NETWORKS must be true or false' })
  NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE_NETWORKS?: (typeof BOOLEAN)[number];

  /** SMTP server for e-mail subscriptions, e.g. smtp://mail.example.org:587 or smtps://user:pass@host:465. */
  @IsOptional()
  @Matches(/^smtps?:\/\/[^\s]+$/, { message: 'NOTIFICATIONS_SMTP_URL must look like smtp://host:port or smtps://user:password@host:465' })
  NOTIFICATIONS_SMTP_URL?: string;

  /** `false` lets smtp:// go without STARTTLS (a local test server); by default TLS is required. */
  @IsOptional()
  @IsIn(BOOLEAN, { message: 'NOTIFICATIONS_SMTP_REQUIRE_TLS must be true or false' })
  NOTIFICATIONS_SMTP_REQUIRE_TLS?: (typeof BOOLEAN)[number];

  /** Sender of the e-mails. */
  @IsOptional()
  @IsString()
  NOTIFICATIONS_MAIL_FROM?: string;

  /** Sender block of the press releases, lines separated by " | ", e.g. "Pressestelle | 40190 Düsseldorf | presse@example.org". */
  @IsOptional()
  @IsString()
  @Length(3, 500)
  @Matches(/^[^\n]+$/, { message: 'NOTIFICATIONS_PRESS_OFFICE must be one line; separate its lines with " | "' })
  NOTIFICATIONS_PRESS_OFFICE?: string;

  /** Closing contact line of the press releases ("Bei Nachfragen wenden Sie sich bitte an …"). */
  @IsOptional()
  @IsString()
  @Length(3, 500)
  NOTIFICATIONS_PRESS_CONTACT?: string;

  /** Public base URL of the service, for links in the Atom feed; the request's host when unset. */
  @IsOptional()
  @Matches(/^https?:\/\/[^\s]+[^/]$/, { message: 'NOTIFICATIONS_PUBLIC_URL must be an http(s) URL without a trailing slash' })
  NOTIFICATIONS_PUBLIC_URL?: string;
}

/** Retry and give-up rules of deliveries, and the time limit of one attempt. */
export interface DeliveryPolicy extends RetryPolicy {
  /** Time limit of one webhook request or SMTP conversation. */
  timeoutMs: number;
}

export interface NotificationsConfig extends ServiceConfig {
  apiKeys: ApiKey[];
  /** Encrypts webhook secrets at rest; its keys are not enumerable, so they never show in a printed config. */
  secretBox: SecretBox;
  /** Whether the published development key encrypts the secrets (logged at start). */
  developmentSecretKey: boolean;
  /** How long an opening waits for its funding result, in ms. */
  fundingWaitMs: number;
  pollIntervalMs: number;
  delivery: DeliveryPolicy;
  /** Which webhook targets are allowed besides public addresses. */
  webhookTargets: TargetPolicy;
  /** `requireTls`: smtps:// or STARTTLS, never plain text (credentials and addresses would travel in clear). */
  mail: { smtpUrl?: string; requireTls: boolean; from: string };
  /** Sender block and contact line printed on every press release. */
  pressOffice: PressOffice;
  publicUrl?: string;
}

/** The notifications service's configuration, validated once at boot. */
export function loadNotificationsConfig(env: NodeJS.ProcessEnv): NotificationsConfig {
  const parsed = validateEnv(NotificationsEnv, env);
  const retryInitialMs = parsed.NOTIFICATIONS_RETRY_INITIAL_MS ?? 30_000;
  const retryMaxMs = parsed.NOTIFICATIONS_RETRY_MAX_MS ?? 3_600_000;
  if (retryMaxMs < retryInitialMs)
    throw new ConfigError([
      `NOTIFICATIONS_RETRY_MAX_MS=${parsed.NOTIFICATIONS_RETRY_MAX_MS ?? `${retryMaxMs} (default)`}: must not be less than NOTIFICATIONS_RETRY_INITIAL_MS=${retryInitialMs}`,
    ]);
  return {
    ...serviceConfig({ service: 'notifications', port: 3003, database: 'ki_notifications' }, parsed),
    apiKeys: apiKeysOrDevelopment(parsed, 'NOTIFICATIONS_API_KEYS', DEVELOPMENT_API_KEY, [Roles.write, Roles.operator]),
    ...secretBoxOrDevelopment(parsed),
    fundingWaitMs: parsed.NOTIFICATIONS_FUNDING_WAIT_MS ?? 5 * 60_000,
    pollIntervalMs: parsed.NOTIFICATIONS_POLL_INTERVAL_MS ?? 1000,
    // Defaults: 30 s, 1, 2, 4 … minutes up to an hour between attempts, less up to half of each for jitter;
    // 15 attempts span 4 to 8 hours.
    delivery: {
      retryInitialMs,
      retryMaxMs,
      maxAttempts: parsed.NOTIFICATIONS_MAX_ATTEMPTS ?? 15,
      disableAfterFailures: parsed.NOTIFICATIONS_DISABLE_AFTER_FAILURES ?? 30,
      timeoutMs: parsed.NOTIFICATIONS_DELIVERY_TIMEOUT_MS ?? 10_000,
    },
    webhookTargets: {
      allowLoopback: parsed.NOTIFICATIONS_WEBHOOK_ALLOW_LOOPBACK === 'true',
      allowPrivateNetworks: parsed.NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE_NETWORKS === 'true',
    },
    mail: {
      smtpUrl: parsed.NOTIFICATIONS_SMTP_URL,
      requireTls: parsed.NOTIFICATIONS_SMTP_REQUIRE_TLS !== 'false',
      from: parsed.NOTIFICATIONS_MAIL_FROM ?? 'Kommunale Integrationszentren NRW <presse@ki-network.invalid>',
    },
    pressOffice: {
      sender: (parsed.NOTIFICATIONS_PRESS_OFFICE ?? 'Kommunale Integrationszentren NRW | Pressestelle | presse@ki-network.invalid')
        .split('|')
        .map((line) => line.trim())
        .filter((line) => line.length > 0),
      contact:
        parsed.NOTIFICATIONS_PRESS_CONTACT ??
        'Bei Nachfragen wenden Sie sich bitte an die Pressestelle der Kommunalen Integrationszentren NRW, E-Mail presse@ki-network.invalid.',
    },
    publicUrl: parsed.NOTIFICATIONS_PUBLIC_URL,
  };
}

const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

/**
 * The keys of NOTIFICATIONS_SECRET_KEYS. When it is unset, the published development key applies
 * only if NODE_ENV is `development` or `test`, as with the API keys; otherwise start-up is refused.
 * Errors name the entry by position and key id, never its key.
 */
function secretBoxOrDevelopment(env: NotificationsEnv): { secretBox: SecretBox; developmentSecretKey: boolean } {
  const spec = env.NOTIFICATIONS_SECRET_KEYS;
  if (!spec) {
    if (!['development', 'test'].includes(env.NODE_ENV ?? ''))
      throw new ConfigError([
        `NOTIFICATIONS_SECRET_KEYS must be set (keyId:base64-of-32-bytes,…): without it only NODE_ENV=development or test may use the published development key (NODE_ENV is ${env.NODE_ENV ?? 'unset'})`,
      ]);
    return { secretBox: new SecretBox([{ id: DEVELOPMENT_SECRET_KEY_ID, key: DEVELOPMENT_SECRET_KEY }]), developmentSecretKey: true };
  }
  const errors: string[] = [];
  const keys: SecretKey[] = [];
  for (const [i, entry] of spec.split(',').entries()) {
    const separator = entry.indexOf(':');
    const id = entry.slice(0, Math.max(separator, 0)).trim();
    const key = Buffer.from(entry.slice(separator + 1).trim(), 'base64');
    if (separator < 0 || !KEY_ID.test(id))
      errors.push(`NOTIFICATIONS_SECRET_KEYS entry ${i + 1}: must be keyId:base64 with a key id of 1 to 32 letters, digits, _ or -`);
    else if (key.length !== 32)
      errors.push(
        `NOTIFICATIONS_SECRET_KEYS entry ${i + 1} (${id}): the key must be base64 of exactly 32 bytes (e.g. openssl rand -base64 32)`,
      );
    else if (keys.some((k) => k.id === id)) errors.push(`NOTIFICATIONS_SECRET_KEYS entry ${i + 1} (${id}): key id used twice`);
    else keys.push({ id, key });
  }
  if (errors.length > 0) throw new ConfigError(errors);
  return { secretBox: new SecretBox(keys), developmentSecretKey: false };
}
