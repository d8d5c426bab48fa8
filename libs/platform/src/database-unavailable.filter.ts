import { ArgumentsHost, Catch } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import type { Response } from 'express';

/** PostgreSQL codes of a server that is shutting down, starting or out of connections. */
const UNAVAILABLE_CODES = new Set(['57P01', '57P02', '57P03', '53300', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE']);

/** Whether `error` says the database cannot be reached now (pool exhausted, connection lost), not that the request is wrong. */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const { code } = error as Error & { code?: string };
  return (
    (code !== undefined && UNAVAILABLE_CODES.has(code)) ||
    /timeout exceeded when trying to connect|Connection terminated|connection timeout|Client has encountered a connection error/i.test(
      error.message,
    )
  );
}

/**
 * An HTTP request that finds the database unreachable or every pooled connection busy gets 503
 * with Retry-After, which clients retry, instead of 500; every other error goes to Nest's handling.
 */
@Catch()
export class DatabaseUnavailableFilter extends BaseExceptionFilter {
  override catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http' || !isDatabaseUnavailable(exception)) return super.catch(exception, host);
    host
      .switchToHttp()
      .getResponse<Response>()
      .status(503)
      .setHeader('Retry-After', '2')
      .json({
        statusCode: 503,
        code: 'SERVICE.DATABASE_UNAVAILABLE',
        message: `the database cannot be reached right now (${(exception as Error).message}); retry shortly`,
      });
  }
}
