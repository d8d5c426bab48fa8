import { AsyncLocalStorage } from 'node:async_hooks';
import { randomFillSync, randomUUID } from 'node:crypto';

/**
 * What ties work together across services: the correlation id of the business flow, the W3C
 * trace context of the current span and the id of the message being handled (the cause of any
 * message sent now).
 */
export interface TraceContext {
  correlationId: string;
  /** W3C `traceparent` of the current span: 00-<trace id>-<span id>-<flags>. */
  traceparent: string;
  /** Id of the message whose handling is running, if any. */
  causationId?: string;
}

const storage = new AsyncLocalStorage<TraceContext>();
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The trace context of the running request or message handler, if any. */
export function currentTrace(): TraceContext | undefined {
  return storage.getStore();
}

/** Runs `fn(...args)` with `context` as the current trace context. */
export function runWithTrace<A extends unknown[], T>(context: TraceContext, fn: (...args: A) => T, ...args: A): T {
  return storage.run(context, fn, ...args);
}

/** True for a well-formed W3C traceparent with non-zero ids. */
export function isValidTraceparent(value: string | undefined): value is string {
  const m = value ? TRACEPARENT.exec(value) : null;
  return !!m && !/^0+$/.test(m[1]) && !/^0+$/.test(m[2]);
}

/** The trace id (32 hex digits) of a traceparent. */
export function traceIdOf(traceparent: string): string {
  return traceparent.split('-')[1];
}

// Span ids are made for every handled message: take them from a pool of random bytes instead of
// asking the system for 8 bytes each time.
const pool = Buffer.alloc(8192);
let poolOffset = pool.length;

function randomHex(bytes: number): string {
  if (poolOffset + bytes > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  poolOffset += bytes;
  return pool.toString('hex', poolOffset - bytes, poolOffset);
}

/** A new root span (new trace). */
export function newTraceparent(): string {
  return `00-${randomHex(16)}-${randomHex(8)}-01`;
}

/** A child span of `parent` (same trace, new span id); a new trace when parent is invalid or absent. */
export function childTraceparent(parent: string | undefined): string {
  if (!isValidTraceparent(parent)) return newTraceparent();
  const [version, traceId, , flags] = parent.split('-');
  return `${version}-${traceId}-${randomHex(8)}-${flags}`;
}

/**
 * The trace context of one unit of work. Its span id is made when first asked for: most handled
 * messages neither log nor send anything, and consumers handle every message of a topic.
 */
class UnitOfWork implements TraceContext {
  private span?: string;

  constructor(
    readonly correlationId: string,
    private readonly parent: string | undefined,
    readonly causationId: string | undefined,
  ) {}

  get traceparent(): string {
    return (this.span ??= childTraceparent(this.parent));
  }
}

/** The context for a new unit of work: continue the given trace and correlation, or start new ones. */
export function traceFrom(input: { traceparent?: string; correlationId?: string; causationId?: string }): TraceContext {
  const correlationId = input.correlationId && /^[\w.:-]{1,100}$/.test(input.correlationId) ? input.correlationId : randomUUID();
  return new UnitOfWork(correlationId, input.traceparent, input.causationId);
}
