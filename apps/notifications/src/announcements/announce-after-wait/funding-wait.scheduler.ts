import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { classifyFailure } from '@ki/messaging';
import { HealthChecks, SERVICE_CONFIG } from '@ki/platform';
import { DataSource } from 'typeorm';
import { NotificationsConfig } from '../../config';
import { PollingLoop } from '../../shared/polling-loop';
import { reportLoopHealth } from '../../shared/polling-loop-health';
import { Announcer } from '../announce/announcer';
import { findFundingResult } from '../database/funding-results.repository';
import { claimOpeningDueForAnnouncement, parkOpening } from '../database/openings.repository';
import { whenFundingWaitIsOver } from '../domain/announcement';

/**
 * The durable timer of openings waiting for their funding: polls for openings whose due time has
 * passed and announces each alone (or with its result, should it have arrived meanwhile). Rows
 * are claimed with FOR UPDATE SKIP LOCKED, so several instances share the work and a crash only
 * delays it. An opening whose announcement fails for any reason but an outage is parked with its
 * error, so the openings behind it are still announced.
 */
@Injectable()
export class FundingWaitScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly loop: PollingLoop;
  private readonly logger = new Logger(FundingWaitScheduler.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly announcer: Announcer,
    @Inject(SERVICE_CONFIG) config: NotificationsConfig,
    private readonly checks: HealthChecks,
    private readonly indicators: HealthIndicatorService,
  ) {
    this.loop = new PollingLoop('funding-wait timer', config.pollIntervalMs, () => this.announceNextDue(), this.logger);
  }

  onApplicationBootstrap(): void {
    reportLoopHealth(this.checks, this.indicators, 'fundingWaitTimer', this.loop);
    this.loop.start();
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.loop.stop();
  }

  /** Announces (or parks) one opening whose wait is over; false when there is none. */
  async announceNextDue(): Promise<boolean> {
    const claimed: { openingEventId?: string } = {};
    try {
      return await this.dataSource.transaction(async (manager) => {
        const opening = await claimOpeningDueForAnnouncement(manager);
        if (!opening) return false;
        claimed.openingEventId = opening.openingEventId;
        if (whenFundingWaitIsOver(opening.state) === 'announce-alone') {
          await this.announcer.announce(manager, 'opening', opening, await findFundingResult(manager, opening.openingEventId));
        }
        return true;
      });
    } catch (err) {
      const { openingEventId } = claimed;
      if (openingEventId === undefined || classifyFailure(err) === 'infrastructure') throw err;
      const failure = (err instanceof Error ? err.message : String(err)).slice(0, 1000) || 'failed';
      const parked = await this.dataSource.transaction((manager) => parkOpening(manager, openingEventId, failure));
      if (parked) this.logger.error(`opening ${openingEventId}: announcing it after the funding wait failed, parked: ${failure}`);
      return true;
    }
  }
}
