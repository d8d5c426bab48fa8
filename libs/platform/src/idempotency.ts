import {
  BadRequestException,
  CallHandler,
  ConflictException,
  ExecutionContext,
  Injectable,
  NestInterceptor,
  UnprocessableEntityException,
} from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import { from, mergeMap, Observable, of } from 'rxjs';
import { catchError } from 'rxjs/operators';
import { DataSource, MigrationInterface, QueryRunner } from 'typeorm';

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

/**
 * `Idempotency-Key` on POST: the same key with the same body returns the first successful
 * response (with `Idempotent-Replayed: true`); the same key with another body is 422; a repeat
 * while the first is still running is 409. Failed requests are not stored, so they can be retried.
 * Keys are kept for 24 hours.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  /** Keys are honoured for a day; older ones are deleted at most once an hour. */
  private static readonly RETENTION = '24 hours';
  private lastPruneAt = 0;

  constructor(private readonly dataSource: DataSource) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const req = context.switchToHttp().getRequest<Request>();
    const res = context.switchToHttp().getResponse<Response>();
    const key = req.headers['idempotency-key'];
    if (req.method !== 'POST' || key === undefined) return next.handle();
    if (typeof key !== 'string' || !/^[\w.:-]{1,200}$/.test(key)) {
      throw new BadRequestException('Idempotency-Key must be 1 to 200 letters, digits or ._:-');
    }
    await this.pruneIfDue();
    const scope = `${req.method} ${req.path}`;
    const bodyHash = createHash('sha256')
      .update(canonical(req.body ?? null))
      .digest('hex');
    const claimed: unknown[] = await this.dataSource.query(
      `INSERT INTO http_idempotency (key, scope, body_hash) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING key`,
      [key, scope, bodyHash],
    );
    if (claimed.length === 0) {
      const [first] = await this.dataSource.query(
        `SELECT body_hash, status, response FROM http_idempotency WHERE key = $1 AND scope = $2`,
        [key, scope],
      );
      if (first.body_hash !== bodyHash)
        throw new UnprocessableEntityException('this Idempotency-Key was used with a different request body');
      if (first.status === null) throw new ConflictException('a request with this Idempotency-Key is still being processed');
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
              JSON.stringify(body ?? null),
            ])
            .then(() => body),
        ),
      ),
    );
  }

  private async pruneIfDue(): Promise<void> {
    if (Date.now() - this.lastPruneAt < 3600_000) return;
    this.lastPruneAt = Date.now();
    await this.dataSource.query(`DELETE FROM http_idempotency WHERE created_at < now() - $1::interval`, [IdempotencyInterceptor.RETENTION]);
  }
}
