import { classifyFailure } from '@ki/messaging';
import { backoffDelay } from '@ki/platform';

/** Where a loop reports failed rounds (Nest's Logger fits). */
export interface LoopLogger {
  warn(message: string): void;
  error(message: string): void;
}

/** Longest pause between failed rounds. */
const MAX_BACKOFF_MS = 30_000;

/**
 * Runs `work` again and again: at once while it reports that it did something, else after
 * `intervalMs`; `stop()` waits for the running round. The state lives in the database, so a
 * crash loses nothing and several instances may run.
 *
 * `work` deals with a row it cannot handle itself (it parks the row with its error and goes on),
 * so one bad row never blocks the others. What escapes it fails the whole round: the loop backs
 * off (exponentially, with jitter) and sets `problem`, which /health reports, until a round
 * succeeds. A database or broker outage is expected and logged as a warning; anything else is a
 * fault of the loop itself and logged as an error.
 */
export class PollingLoop {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = true;
  private failures = 0;
  /** Work arrived during a round: the next one starts at once. */
  private woken = false;
  /** Why rounds are failing, while they do. */
  problem?: string;

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
    try {
      const didWork = await this.work();
      this.failures = 0;
      this.problem = undefined;
      const again = didWork || this.woken;
      this.woken = false;
      this.schedule(again ? 0 : this.intervalMs);
    } catch (err) {
      this.failures++;
      const message = err instanceof Error ? err.message : String(err);
      const delay = backoffDelay(this.failures, { initialMs: this.intervalMs, maxMs: Math.max(this.intervalMs, MAX_BACKOFF_MS) });
      const report = `${this.name}: round failed (${this.failures} in a row), retrying in ${delay} ms: ${message}`;
      if (classifyFailure(err) === 'infrastructure') {
        this.problem = `${this.name} waiting for the database or broker: ${message}`;
        this.logger.warn(report);
      } else {
        this.problem = `${this.name} failing: ${message}`;
        this.logger.error(report);
      }
      this.schedule(delay);
    }
  }

  /**
   * Work arrived (a commit in this process): an idle loop starts a round now, a running one starts
   * the next at once. A failing loop keeps its backoff.
   */
  wake(): void {
    if (this.stopped || this.failures > 0) return;
    if (this.running) {
      this.woken = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.schedule(0);
  }

  /** True once `stop()` was called: a long round ends early and leaves the rest to the next start. */
  get stopping(): boolean {
    return this.stopped;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}
