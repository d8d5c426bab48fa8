import { Inject, Injectable } from '@nestjs/common';
import { CentreOpenedV1, EnvelopeAttributes } from '@ki/contracts';
import { SERVICE_CONFIG } from '@ki/platform';
import type { EntityManager } from 'typeorm';
import { NotificationsConfig } from '../../config';
import { Announcer } from '../announce/announcer';
import { findFundingResult } from '../database/funding-results.repository';
import { insertOpening, lockOpening, lockOpeningKey } from '../database/openings.repository';
import { whenOpeningArrives } from '../domain/announcement';

/**
 * An opening arrived: announce it at once when its funding result came first, else let it wait
 * for the result until the configured time is over (a row with a due time, not a timer in memory).
 * A historical opening (recorded later by the registry's history import) is only recorded: it is
 * not news, so it is never announced, listed, put in the feed or sent to subscribers.
 */
@Injectable()
export class RecordOpeningHandler {
  constructor(
    private readonly announcer: Announcer,
    @Inject(SERVICE_CONFIG) private readonly config: NotificationsConfig,
  ) {}

  async execute(manager: EntityManager, opened: CentreOpenedV1, envelope: EnvelopeAttributes): Promise<void> {
    await lockOpeningKey(manager, envelope.id);
    const recorded = await insertOpening(
      manager,
      {
        openingEventId: envelope.id,
        centreId: opened.centreId,
        hostBodyKey: opened.hostBodyKey,
        territoryKey: opened.territoryKey,
        hostBodyName: opened.hostBodyName,
        ordinal: opened.ordinal,
        openedOn: opened.openedOn,
        place: opened.place,
        seat: opened.seat,
        previousOrdinal: opened.previousOrdinal,
        previousClosedOn: opened.previousClosedOn,
        historical: opened.historical === true,
        correlationId: envelope.correlationId,
      },
      this.config.fundingWaitMs,
    );
    if (!recorded || opened.historical) return;
    const funding = await findFundingResult(manager, envelope.id);
    if (whenOpeningArrives(funding) === 'wait') return;
    const opening = await lockOpening(manager, envelope.id);
    if (opening) await this.announcer.announce(manager, 'opening', opening, funding);
  }
}
