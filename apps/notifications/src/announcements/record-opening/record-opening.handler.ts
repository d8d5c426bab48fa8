import { Inject, Injectable } from '@nestjs/common';
import { CentreOpenedV1 } from '@ki/contracts';
import { BatchedEvent } from '@ki/messaging';
import { SERVICE_CONFIG } from '@ki/platform';
import type { EntityManager } from 'typeorm';
import { NotificationsConfig } from '../../config';
import { AnnouncementRequest, Announcer } from '../announce/announcer';
import { findFundingResults } from '../database/funding-results.repository';
import { ArrivingOpening, insertOpenings, lockOpeningKeys, lockOpenings } from '../database/openings.repository';
import { whenOpeningArrives } from '../domain/announcement';

/**
 * Openings arrived: each is announced at once when its funding result came first, else it waits
 * for the result until the configured time is over (a row with a due time, not a timer in memory).
 * A historical opening (recorded later by the registry's history import) is only recorded: it is
 * not news, so it is never announced, listed, put in the feed or sent to subscribers.
 * The openings of a batch are locked, recorded and looked up with one statement each, so a rebuild
 * from the topic costs two statements per batch, and live openings three, not a few per opening.
 */
@Injectable()
export class RecordOpeningHandler {
  constructor(
    private readonly announcer: Announcer,
    @Inject(SERVICE_CONFIG) private readonly config: NotificationsConfig,
  ) {}

  async execute(manager: EntityManager, events: BatchedEvent<CentreOpenedV1>[]): Promise<void> {
    const news = events.filter((e) => e.payload.historical !== true);
    // Historical openings are never announced, so nothing races with their funding results.
    await lockOpeningKeys(
      manager,
      news.map((e) => e.envelope.id),
    );
    const recorded = await insertOpenings(manager, events.map(arriving), this.config.fundingWaitMs);
    const fresh = news.filter((e) => recorded.has(e.envelope.id));
    if (fresh.length === 0) return;
    // Usually the funding result comes later; where it came first, the opening is announced with it now.
    const results = await findFundingResults(
      manager,
      fresh.map((e) => e.envelope.id),
    );
    const funded = fresh.filter((e) => whenOpeningArrives(results.get(e.envelope.id)) === 'announce');
    if (funded.length === 0) return;
    const openings = await lockOpenings(
      manager,
      funded.map((e) => e.envelope.id),
    );
    const requests = funded.flatMap(({ envelope, inTrace }): AnnouncementRequest[] => {
      const opening = openings.get(envelope.id);
      return opening ? [{ kind: 'opening', opening, funding: results.get(envelope.id), inTrace }] : [];
    });
    await this.announcer.announceAll(manager, requests);
  }
}

function arriving({ payload: opened, envelope }: BatchedEvent<CentreOpenedV1>): ArrivingOpening {
  return {
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
  };
}
