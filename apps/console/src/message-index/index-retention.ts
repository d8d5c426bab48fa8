import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { SERVICE_CONFIG } from '@ki/platform';
import type { ConsoleConfig } from '../config';
import { MessageIndex } from './message-index';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Deletes indexed messages older than CONSOLE_INDEX_RETENTION_DAYS, at start and then every
 * `indexPruneIntervalMs`; without the variable the index keeps everything. The topics keep the
 * messages as long as their own retention says.
 */
@Injectable()
export class IndexRetention implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private readonly logger = new Logger('IndexRetention');

  constructor(
    private readonly index: MessageIndex,
    @Inject(SERVICE_CONFIG) private readonly config: ConsoleConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.indexRetentionDays === undefined) return;
    const prune = () => {
      this.running ??= this.prune(new Date()).finally(() => (this.running = undefined));
    };
    prune();
    this.timer = setInterval(prune, this.config.indexPruneIntervalMs);
  }

  /** Deletes what is older than the retention before `now`. */
  async prune(now: Date): Promise<void> {
    const days = this.config.indexRetentionDays as number;
    try {
      const deleted = await this.index.deleteOlderThan(new Date(now.getTime() - days * DAY_MS));
      if (deleted > 0) this.logger.log(`deleted ${deleted} indexed messages older than ${days} days`);
    } catch (err) {
      this.logger.error(`pruning the index failed (retried at the next interval): ${(err as Error).message}`);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
