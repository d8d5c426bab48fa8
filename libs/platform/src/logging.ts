import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import pino, { DestinationStream, Logger } from 'pino';
import { ServiceConfig } from './config';
import { currentTrace, runWithTrace, traceFrom, traceIdOf } from './trace-context';
import type { NextFunction, Request, Response } from 'express';

/**
 * The service's root logger: JSON lines on stdout with the service name on each line.
 * `npm start` renders them readably; production ships them as they are.
 */
export function createRootLogger(config: ServiceConfig, destination?: DestinationStream): Logger {
  return pino(
    {
      level: config.logLevel,
      base: { service: config.service },
      timestamp: pino.stdTimeFunctions.isoTime,
      // Credentials never reach the logs.
      redact: { paths: ['req.headers["x-api-key"]', 'req.headers.authorization', 'req.headers.cookie'], censor: '[redacted]' },
      // Every line written while a request or message is handled names its flow and trace.
      mixin: () => {
        const trace = currentTrace();
        return trace ? { correlation_id: trace.correlationId, trace_id: traceIdOf(trace.traceparent) } : {};
      },
    },
    destination,
  );
}

/** Request id: the caller's `x-request-id` if sane, else a new one; echoed in the response. */
export function requestId(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && /^[\w.:-]{1,100}$/.test(given) ? given : randomUUID();
}

/**
 * Express middleware: continues the caller's W3C `traceparent` and `x-correlation-id` (or starts
 * new ones), answers with them, and makes them the trace context of everything the request does.
 */
export function traceMiddleware(req: Request, res: Response, next: NextFunction): void {
  const header = (name: string) => (typeof req.headers[name] === 'string' ? (req.headers[name] as string) : undefined);
  const trace = traceFrom({ traceparent: header('traceparent'), correlationId: header('x-correlation-id') });
  res.setHeader('traceparent', trace.traceparent);
  res.setHeader('x-correlation-id', trace.correlationId);
  runWithTrace(trace, () => next());
}
