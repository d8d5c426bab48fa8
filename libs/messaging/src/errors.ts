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
  /** A dependency (database, broker) is unavailable: retry without limit and report unhealthy. */
  | 'infrastructure';

const INFRASTRUCTURE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
  '08000', // connection_exception
  '08003', // connection_does_not_exist
  '08006', // connection_failure
]);

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
    if (typeof code === 'string' && INFRASTRUCTURE_CODES.has(code)) return 'infrastructure';
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
