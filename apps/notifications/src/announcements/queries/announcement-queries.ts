import { Inject, Injectable } from '@nestjs/common';
import { AnnouncementKind } from '@ki/contracts';
import { SERVICE_CONFIG } from '@ki/platform';
import { DataSource } from 'typeorm';
import { NotificationsConfig } from '../../config';
import { NotificationsError } from '../../shared/notifications.errors';
import { AnnouncementRecord, findAnnouncement, listAnnouncements } from '../database/announcements.repository';
import { AnnouncementTemplates } from '../templates/announcement-templates';

/** Read side of announcements: the API's lists and the Atom feed. */
@Injectable()
export class AnnouncementQueries {
  constructor(
    private readonly dataSource: DataSource,
    private readonly templates: AnnouncementTemplates,
    @Inject(SERVICE_CONFIG) private readonly config: NotificationsConfig,
  ) {}

  list(filter: { limit?: number; kind?: AnnouncementKind; hostBodyKey?: string }): Promise<AnnouncementRecord[]> {
    return listAnnouncements(this.dataSource.manager, { ...filter, limit: filter.limit ?? 50 });
  }

  async get(id: string): Promise<AnnouncementRecord> {
    const found = await findAnnouncement(this.dataSource.manager, id);
    if (!found)
      throw new NotificationsError('NOTIFICATIONS.ANNOUNCEMENT_NOT_FOUND', `no announcement with id ${id}`, { announcementId: id });
    return found;
  }

  /** The newest 50 announcements as an Atom document; links start at the public URL, or the one the request came to. */
  async atomFeed(requestBaseUrl: string): Promise<string> {
    const base = this.config.publicUrl ?? requestBaseUrl;
    const entries = await listAnnouncements(this.dataSource.manager, { limit: 50 });
    return this.templates.feed({
      id: `${base}/feed.atom`,
      selfUrl: `${base}/feed.atom`,
      updated: (entries[0]?.publishedAt ?? new Date(0)).toISOString(),
      entries: entries.map((a) => ({
        id: a.id,
        number: a.number,
        title: a.title,
        kind: a.kind,
        published: a.publishedAt.toISOString(),
        url: `${base}/announcements/${a.id}`,
        text: a.text,
      })),
    });
  }
}
