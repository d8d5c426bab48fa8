import type { AnnouncementRecord } from '../../announcements/database/announcements.repository';

/**
 * The JSON body of a webhook delivery, in the Standard Webhooks shape `{ type, timestamp, data }`.
 * It depends only on the announcement, so every retry sends the same bytes.
 */
export function webhookBody(a: AnnouncementRecord): string {
  return JSON.stringify({
    type: `announcement.${a.kind}`,
    timestamp: a.publishedAt.toISOString(),
    data: {
      id: a.id,
      number: a.number,
      kind: a.kind,
      announcedOn: a.announcedOn,
      title: a.title,
      text: a.text,
      centreId: a.centreId,
      hostBodyKey: a.hostBodyKey,
      hostBodyName: a.hostBodyName,
      ordinal: a.ordinal,
      openedOn: a.openedOn,
      place: a.place,
      fundingStatus: a.fundingStatus,
      fiscalYear: a.fiscalYear,
      grantCents: a.grantCents,
      teacherPostsHundredths: a.teacherPostsHundredths,
      kommAnCents: a.kommAnCents,
      totalCents: a.totalCents,
      rejectionReason: a.rejectionReason,
      rejectionDetail: a.rejectionDetail,
    },
  });
}

/** Subject line of an announcement e-mail. */
export function emailSubject(a: AnnouncementRecord): string {
  return `Presseinformation ${a.number}: ${a.title}`;
}
