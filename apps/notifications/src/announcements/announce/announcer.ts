import { Inject, Injectable } from '@nestjs/common';
import { AnnouncementKind, EventTypes } from '@ki/contracts';
import { Outbox } from '@ki/messaging';
import { SERVICE_CONFIG } from '@ki/platform';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { NotificationsConfig } from '../../config';
import { createDeliveries } from '../../deliveries/database/deliveries.repository';
import { announcementExists, AnnouncementRecord, insertAnnouncement, nextRunningNumber } from '../database/announcements.repository';
import { OpeningRow, setOpeningState } from '../database/openings.repository';
import { announcementNumber } from '../domain/announcement-number';
import { announcementView, draftAnnouncement, FundingFacts } from '../domain/announcement';
import { yearAndMonth } from '../domain/german-format';
import { AnnouncementTemplates } from '../templates/announcement-templates';

/**
 * Publishes one announcement inside the caller's transaction: numbers it, renders it, stores it,
 * creates one delivery per active subscriber that wants its kind, and adds the
 * announcement-published event to the outbox. All of it commits together or not at all.
 * The caller holds the opening's row lock.
 */
@Injectable()
export class Announcer {
  constructor(
    private readonly outbox: Outbox,
    private readonly templates: AnnouncementTemplates,
    @Inject(SERVICE_CONFIG) private readonly config: NotificationsConfig,
  ) {}

  async announce(
    manager: EntityManager,
    kind: AnnouncementKind,
    opening: OpeningRow,
    funding?: FundingFacts,
  ): Promise<AnnouncementRecord | undefined> {
    await setOpeningState(manager, opening.openingEventId, kind === 'opening' && !funding ? 'announced_alone' : 'announced');
    if (await announcementExists(manager, opening.openingEventId, kind)) return undefined;
    const draft = draftAnnouncement(kind, opening, funding);
    const { year } = yearAndMonth(draft.announcedOn);
    const running = await nextRunningNumber(manager, year);
    const number = announcementNumber(running, draft.announcedOn);
    const view = announcementView(draft, number, this.config.pressOffice);
    const { title, text } = this.templates.announcement(view);
    const allocated = funding?.outcome === 'allocated' ? funding : undefined;
    const rejected = funding?.outcome === 'rejected' ? funding : undefined;
    const announcement = await insertAnnouncement(manager, {
      id: randomUUID(),
      number,
      year,
      running,
      kind,
      announcedOn: draft.announcedOn,
      title,
      text,
      openingEventId: opening.openingEventId,
      centreId: opening.centreId,
      hostBodyKey: opening.hostBodyKey,
      hostBodyName: opening.hostBodyName,
      ordinal: opening.ordinal,
      openedOn: opening.openedOn,
      place: opening.place,
      fundingStatus: draft.fundingStatus,
      fiscalYear: funding?.fiscalYear ?? null,
      grantCents: allocated?.grantCents ?? null,
      teacherPostsHundredths: allocated?.teacherPostsHundredths ?? null,
      kommAnCents: allocated?.kommAnCents ?? null,
      totalCents: allocated?.totalCents ?? null,
      rejectionReason: rejected?.reason ?? null,
      // The German reason as printed, not the ledger's English detail: announcements are read by the public.
      rejectionDetail: view.rejected?.reasonText ?? null,
      correlationId: opening.correlationId,
    });
    await createDeliveries(manager, announcement.id, kind);
    await this.outbox.add(
      manager,
      EventTypes.AnnouncementPublishedV1,
      {
        announcementId: announcement.id,
        number,
        kind,
        announcedOn: draft.announcedOn,
        title,
        openingEventId: opening.openingEventId,
        centreId: opening.centreId,
        hostBodyKey: opening.hostBodyKey,
        hostBodyName: opening.hostBodyName,
        ordinal: opening.ordinal,
        fundingStatus: draft.fundingStatus,
        grantCents: allocated?.grantCents,
        teacherPostsHundredths: allocated?.teacherPostsHundredths,
        rejectionReason: rejected?.reason,
      },
      { correlationId: opening.correlationId },
    );
    return announcement;
  }
}
