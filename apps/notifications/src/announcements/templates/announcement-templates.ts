import { Eta } from 'eta';
import type { AnnouncementView } from '../domain/announcement';

/** One entry of the Atom feed. */
export interface FeedEntryView {
  id: string;
  number: string;
  title: string;
  kind: string;
  /** RFC 3339 instant. */
  published: string;
  url: string;
  text: string;
}

/** The Atom feed's own data. */
export interface FeedView {
  id: string;
  selfUrl: string;
  updated: string;
  entries: FeedEntryView[];
}

/** Blank lines left by template control lines collapse to one; no whitespace at the ends. */
function tidy(text: string): string {
  return text
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/**
 * Renders announcements and the feed from the Eta templates beside this file. Plain-text
 * templates are not escaped; the Atom feed is (Eta's HTML escaping is valid XML escaping).
 */
export class AnnouncementTemplates {
  private readonly text = new Eta({ views: __dirname, autoEscape: false, autoTrim: false, cache: true });
  private readonly xml = new Eta({ views: __dirname, autoEscape: true, autoTrim: false, cache: true });

  /** Headline and full text of an announcement. */
  announcement(view: AnnouncementView): { title: string; text: string } {
    return {
      title: tidy(this.text.render(`./${view.kind}-title`, view)),
      text: tidy(this.text.render(`./${view.kind}-text`, view)),
    };
  }

  /** The Atom feed document. */
  feed(view: FeedView): string {
    return `${tidy(this.xml.render('./atom-feed', view))}\n`;
  }
}
