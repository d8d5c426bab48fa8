import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import pino, { Logger } from 'pino';
import { ServiceConfig } from './config';

/**
 * The service's root logger: JSON lines on stdout with the service name on each line.
 * `npm start` renders them readably; production ships them as they are.
 */
export function createRootLogger(config: ServiceConfig): Logger {
  return pino({ level: config.logLevel, base: { service: config.service }, timestamp: pino.stdTimeFunctions.isoTime });
}

/** Request id: the caller's `x-request-id` if sane, else a new one; echoed in the response. */
export function requestId(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && /^[\w.:-]{1,100}$/.test(given) ? given : randomUUID();
}
