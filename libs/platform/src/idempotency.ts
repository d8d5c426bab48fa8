import {
  BadRequestException,
  CallHandler,
  ConflictException,
  ExecutionContext,
  Inject,
  Injectable,
  NestInterceptor,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  UnprocessableEntityException,
} from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import { from, mergeMap, Observable, of } from 'rxjs';
import { catchError } from 'rxjs/operators';
import { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import { acceptedApiKey } from './api-keys';
import { ServiceConfig } from './config';
import { SERVICE_CONFIG } from './platform.module';

/** Stores the first answer to each Idempotency-Key of a POST endpoint. */
export class HttpIdempotency1764000000200 implements MigrationInterface {
  name = 'HttpIdempotency1764000000200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE http_idempotency (
        key        text        NOT NULL,
        scope      text        NOT NULL,
        body_hash  text        NOT NULL,
        status     integer,
        response   jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (scope, key)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE http_idempotency`);
  }
}

/** JSON with object keys sorted, so equal bodies hash equally whatever their key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The fingerprint of a request body under which its Idempotency-Key is stored. */
export function bodyHash(body: unknown): string {
  return createHash('sha256')
    .update(canonical(body ?? null))
    .digest('hex');
}

/** Fields of a response that are never stored for a replay: secrets are shown once, by the first answer only. */
const UNSTORED_FIELDS = new Set(['secret']);

/** The response as stored for replays: every `secret` field, at any depth, left out. */
function storable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(storable);
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([k]) => !UNSTORED_FIELDS.has(k))
        .map(([k, v]) => [k, storable(v)]),
    );
  return value;
}

/**
 * `Idempotency-Key` on POST: the same key from the same API key with the same body returns the
 * first successful response (with `Idempotent-Replayed: true`); the same key with another body is
 * 422; a repeat while the first is still running is 409 with `Retry-After`. Failed requests are
 * not stored, so they can be retried. A claim that got no answer within 30 s was
 * abandoned (its process died mid-request): the same request takes it over and runs again, so a
 * crash does not block a key for a day; an effect the lost request had committed is then met by
 * the domain's own checks (an open centre is not opened twice). The scope is method, path and the
 * caller's API key, so one caller can neither read nor block another's answers. A replay holds no
 * secret (a webhook's secret is in the first answer only). Keys are kept for 24 hours; a timer
 * deletes older ones.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor, OnApplicationBootstrap, OnApplicationShutdown {
  /** Keys are honoured for a day. */
  private static readonly RETENTION = '24 hours';
  /** A request still unanswered after this long is taken to have died with its process. */
  static readonly CLAIM_TIMEOUT_SECONDS = 30;
  private pruneTimer?: NodeJS.Timeout;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.pruneTimer = setInterval(() => {
      this.prune().catch(() => undefined); // the next run tries again; a failed delete loses nothing
    }, this.config.idempotencyPruneIntervalMs);
    this.pruneTimer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.pruneTimer);
  }

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const req = context.switchToHttp().getRequest<Request>();
    const res = context.switchToHttp().getResponse<Response>();
    const key = req.headers['idempotency-key'];
    if (req.method !== 'POST' || key === undefined) return next.handle();
    if (typeof key !== 'string' || !/^[\w.:-]{1,200}$/.test(key)) {
      throw new BadRequestException('Idempotency-Key must be 1 to 200 letters, digits or ._:-');
    }
    const scope = `${req.method} ${req.path} ${acceptedApiKey(req)?.name ?? '(no key)'}`;
    const hash = bodyHash(req.body);
    const timeout = `${IdempotencyInterceptor.CLAIM_TIMEOUT_SECONDS} seconds`;
    // A new key is claimed; so is an abandoned claim of the same request (no answer in time).
    const claimed: unknown[] = await this.dataSource.query(
      `INSERT INTO http_idempotency (key, scope, body_hash) VALUES ($1, $2, $3)
       ON CONFLICT (scope, key) DO UPDATE SET created_at = now()
         WHERE http_idempotency.status IS NULL AND http_idempotency.body_hash = EXCLUDED.body_hash
           AND http_idempotency.created_at < now() - $4::interval
       RETURNING key`,
      [key, scope, hash, timeout],
    );
    if (claimed.length === 0) {
      const [first] = await this.dataSource.query(
        `SELECT body_hash, status, response,
                GREATEST(1, ceil(extract(epoch FROM created_at + $3::interval - now())))::int AS "retryAfter"
         FROM http_idempotency WHERE key = $1 AND scope = $2`,
        [key, scope, timeout],
      );
      if (first && first.body_hash !== hash)
        throw new UnprocessableEntityException('this Idempotency-Key was used with a different request body');
      // No row: the first request failed and freed the key just now; a retry after Retry-After runs.
      if (!first || first.status === null) {
        res.setHeader('Retry-After', String(first?.retryAfter ?? 1));
        throw new ConflictException('a request with this Idempotency-Key is still being processed');
      }
      res.status(first.status);
      res.setHeader('Idempotent-Replayed', 'true');
      return of(first.response);
    }
    return next.handle().pipe(
      // Only a failed handler frees the key for a retry; once its effect committed, the key stays claimed.
      catchError((err) =>
        from(
          this.dataSource.query(`DELETE FROM http_idempotency WHERE key = $1 AND scope = $2`, [key, scope]).then(() => {
            throw err;
          }),
        ),
      ),
      mergeMap((body) =>
        from(
          this.dataSource
            .query(`UPDATE http_idempotency SET status = $3, response = $4 WHERE key = $1 AND scope = $2`, [
              key,
              scope,
              res.statusCode,
              JSON.stringify(storable(body ?? null)),
            ])
            .then(() => body),
        ),
      ),
    );
  }

  /** Deletes the keys older than the retention. */
  async prune(): Promise<void> {
    await this.dataSource.query(`DELETE FROM http_idempotency WHERE created_at < now() - $1::interval`, [IdempotencyInterceptor.RETENTION]);
  }
}
