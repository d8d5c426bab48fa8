import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SERVICE_CONFIG } from '@ki/platform';
import { DataSource } from 'typeorm';
import { NotificationsConfig } from '../../config';
import { PollingLoop } from '../../shared/polling-loop';
import { Announcer } from '../announce/announcer';
import { findFundingResult } from '../database/funding-results.repository';
import { claimOpeningDueForAnnouncement } from '../database/openings.repository';
import { whenFundingWaitIsOver } from '../domain/announcement';

/**
 * The durable timer of openings waiting for their funding: polls for openings whose due time has
 * passed and announces each alone (or with its result, should it have arrived meanwhile). Rows
 * are claimed with FOR UPDATE SKIP LOCKED, so several instances share the work and a crash only
 * delays it.
 */
@Injectable()
export class FundingWaitScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly loop: PollingLoop;

  constructor(
    private readonly dataSource: DataSource,
    private readonly announcer: Announcer,
    @Inject(SERVICE_CONFIG) config: NotificationsConfig,
  ) {
    this.loop = new PollingLoop(
      'funding-wait timer',
      config.pollIntervalMs,
      () => this.announceNextDue(),
      new Logger(FundingWaitScheduler.name),
    );
  }

  onApplicationBootstrap(): void {
    this.loop.start();
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.loop.stop();
  }

  /** Announces one opening whose wait is over; false when there is none. */
  announceNextDue(): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const opening = await claimOpeningDueForAnnouncement(manager);
      if (!opening) return false;
      if (whenFundingWaitIsOver(opening.state) === 'announce-alone') {
        await this.announcer.announce(manager, 'opening', opening, await findFundingResult(manager, opening.openingEventId));
      }
      return true;
    });
  }
}
