/** Options of {@link eventually}. */
export interface EventuallyOptions {
  /** Give up after this many milliseconds (default 15 000). */
  timeout?: number;
  /** Pause between attempts (default 100 ms). */
  interval?: number;
  /** What is awaited, for the failure message. */
  name?: string;
}

/**
 * Retries `probe` until it returns without throwing, then returns its value.
 * Tests wait for conditions this way, never for a fixed time.
 */
export async function eventually<T>(probe: () => T | Promise<T>, options: EventuallyOptions = {}): Promise<T> {
  const { timeout = 15_000, interval = 100, name = 'condition' } = options;
  const deadline = Date.now() + timeout;
  let lastError: unknown;
  for (;;) {
    try {
      return await probe();
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const reason = lastError instanceof Error ? lastError.message : String(lastError);
      throw new Error(`${name} not reached within ${timeout} ms; last failure: ${reason}`);
    }
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}
