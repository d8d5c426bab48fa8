import { ContractViolation } from '@ki/contracts';

/**
 * A handler error that retrying cannot fix (invalid data, a broken rule). The message goes to
 * the dead-letter topic at once instead of being retried.
 */
export class NonRetryableError extends Error {
  override readonly name = 'NonRetryableError';
  constructor(
    /** Stable code, e.g. `LEDGER.UNKNOWN_CENTRE`. */
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** What a consumer does with a failed message. */
export type FailureKind =
  /** Send to the dead-letter topic now. */
  | 'non-retryable'
  /** Retry with backoff, a bounded number of times, then dead-letter. */
  | 'retryable'
  /** A dependency (database, broker) is unavailable or busy: retry without limit and report unhealthy. */
  | 'infrastructure';

const INFRASTRUCTURE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/**
 * PostgreSQL SQLSTATEs that say nothing about the message: the database is away or busy
 * (classes 08 connection, 53 resources, 57P0x shutdown, 25006 read-only after a failover) or two
 * transactions collided (40001 serialization, 40P01 deadlock, 57014 statement timeout). They are
 * retried without limit, never dead-lettered.
 */
function isTransientSqlState(code: string): boolean {
  return /^(08|53)/.test(code) || /^57P0/.test(code) || ['25006', '40001', '40P01', '57014'].includes(code);
}

const INFRASTRUCTURE_MESSAGES = [
  /Connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /Client has encountered a connection error/i,
];

/** Classifies an error thrown while handling a message. */
export function classifyFailure(err: unknown): FailureKind {
  if (err instanceof ContractViolation || err instanceof NonRetryableError) return 'non-retryable';
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (INFRASTRUCTURE_CODES.has(code) || isTransientSqlState(code))) return 'infrastructure';
    const message = (e as { message?: unknown }).message;
    if (typeof message === 'string' && INFRASTRUCTURE_MESSAGES.some((re) => re.test(message))) return 'infrastructure';
  }
  return 'retryable';
}

/** A stable code for the dead-letter headers. */
export function failureCode(err: unknown): string {
  if (err instanceof ContractViolation || err instanceof NonRetryableError) return err.code;
  return 'CONSUMER.HANDLER_FAILED';
}
