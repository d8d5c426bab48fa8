/** Where a loop reports failed rounds (Nest's Logger fits). */
export interface LoopLogger {
  warn(message: string): void;
}

/**
 * Runs `work` again and again: at once while it reports that it did something, else after
 * `intervalMs`. Errors are logged and the loop goes on; `stop()` waits for the running round.
 * The state lives in the database, so a crash loses nothing and several instances may run.
 */
export class PollingLoop {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = true;
  private failures = 0;

  constructor(
    private readonly name: string,
    private readonly intervalMs: number,
    private readonly work: () => Promise<boolean>,
    private readonly logger: LoopLogger,
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.round().finally(() => (this.running = undefined));
    }, delayMs);
  }

  private async round(): Promise<void> {
    let didWork = false;
    try {
      didWork = await this.work();
      this.failures = 0;
    } catch (err) {
      this.failures++;
      this.logger.warn(`${this.name}: round failed (${this.failures} in a row): ${(err as Error).message}`);
    }
    // After failures, wait up to ten intervals so a database outage is not hammered.
    this.schedule(didWork ? 0 : this.intervalMs * Math.min(10, 1 + this.failures));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}
