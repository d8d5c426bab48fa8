import { Inject, Injectable } from '@nestjs/common';
import { AnnouncementKind, EventTypes } from '@ki/contracts';
import { Outbox } from '@ki/messaging';
import { SERVICE_CONFIG } from '@ki/platform';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { NotificationsConfig } from '../../config';
import { createDeliveriesFor } from '../../deliveries/database/deliveries.repository';
import {
  announcedBefore,
  announcementKey,
  AnnouncementRecord,
  insertAnnouncements,
  NewAnnouncement,
  takeRunningNumbers,
} from '../database/announcements.repository';
import { OpeningRow, setOpeningStates } from '../database/openings.repository';
import { announcementNumber } from '../domain/announcement-number';
import { AnnouncementDraft, announcementView, draftAnnouncement, FundingFacts } from '../domain/announcement';
import { yearAndMonth } from '../domain/german-format';
import { AnnouncementTemplates } from '../templates/announcement-templates';

/** An announcement to publish; `inTrace` runs work in the trace of the event that caused it (a batch handler's event). */
export interface AnnouncementRequest {
  kind: AnnouncementKind;
  opening: OpeningRow;
  funding?: FundingFacts;
  inTrace?: <T>(work: () => T) => T;
}

/**
 * Publishes announcements inside the caller's transaction: numbers them, renders them, stores
 * them, creates one delivery per active subscriber that wants their kind, and adds their
 * announcement-published events to the outbox. All of it commits together or not at all.
 * The caller holds the openings' row locks.
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
    const [announced] = await this.announceAll(manager, [{ kind, opening, funding }]);
    return announced;
  }

  /**
   * Publishes the announcements in order, with one statement for each kind of write, so a chunk
   * of funding results costs a few statements, not a few per opening. Answers each request's
   * announcement, or undefined where its opening was announced with that kind before.
   */
  async announceAll(manager: EntityManager, requests: AnnouncementRequest[]): Promise<(AnnouncementRecord | undefined)[]> {
    if (requests.length === 0) return [];
    await setOpeningStates(
      manager,
      requests.map(({ kind, opening, funding }) => ({
        openingEventId: opening.openingEventId,
        state: kind === 'opening' && !funding ? 'announced_alone' : 'announced',
      })),
    );
    const announced = await announcedBefore(
      manager,
      requests.map(({ kind, opening }) => ({ openingEventId: opening.openingEventId, kind })),
    );
    const fresh = requests.filter(({ kind, opening }) => {
      const key = announcementKey(opening.openingEventId, kind);
      if (announced.has(key)) return false;
      announced.add(key);
      return true;
    });
    const drafts = fresh.map((request) => ({ request, draft: draftAnnouncement(request.kind, request.opening, request.funding) }));
    const running = await takeRunningNumbers(
      manager,
      drafts.map(({ draft }) => yearAndMonth(draft.announcedOn).year),
    );
    const rows = drafts.map(({ request, draft }, i) => this.render(request, draft, running[i]));
    const stored = new Map((await insertAnnouncements(manager, rows)).map((a) => [a.id, a]));
    await createDeliveriesFor(
      manager,
      rows.map((a) => ({ announcementId: a.id, kind: a.kind })),
    );
    await this.outbox.addEncoded(
      manager,
      drafts.map(({ request, draft }, i) => {
        const a = rows[i];
        const encode = () =>
          this.outbox.encode(
            EventTypes.AnnouncementPublishedV1,
            {
              announcementId: a.id,
              number: a.number,
              kind: a.kind,
              announcedOn: a.announcedOn,
              title: a.title,
              openingEventId: a.openingEventId,
              centreId: a.centreId,
              hostBodyKey: a.hostBodyKey,
              hostBodyName: a.hostBodyName,
              ordinal: a.ordinal,
              fundingStatus: draft.fundingStatus,
              grantCents: a.grantCents ?? undefined,
              teacherPostsHundredths: a.teacherPostsHundredths ?? undefined,
              rejectionReason: a.rejectionReason ?? undefined,
            },
            { correlationId: request.opening.correlationId },
          );
        return request.inTrace ? request.inTrace(encode) : encode();
      }),
    );
    const byRequest = new Map(drafts.map(({ request }, i) => [request, stored.get(rows[i].id)]));
    return requests.map((request) => byRequest.get(request));
  }

  /** The announcement's row: its number, German title and text, and the facts it states. */
  private render(
    { kind, opening, funding }: AnnouncementRequest,
    draft: AnnouncementDraft,
    running: { year: number; running: number },
  ): NewAnnouncement {
    const number = announcementNumber(running.running, draft.announcedOn);
    const view = announcementView(draft, number, this.config.pressOffice);
    const { title, text } = this.templates.announcement(view);
    const allocated = funding?.outcome === 'allocated' ? funding : undefined;
    const rejected = funding?.outcome === 'rejected' ? funding : undefined;
    return {
      id: randomUUID(),
      number,
      year: running.year,
      running: running.running,
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
    };
  }
}
