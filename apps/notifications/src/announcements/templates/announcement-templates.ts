import { Eta } from 'eta';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
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

/** Plain-text templates (the announcements and the parts they include as `@name`). */
const TEXT_TEMPLATES = [
  'opening-title',
  'opening-text',
  'funding-title',
  'funding-text',
  'funding-paragraph',
  'background',
  'press-office',
  'press-contact',
];

/**
 * Renders announcements and the feed from the Eta templates beside this file. Every template is
 * read and compiled once, when the service starts, so a broken one stops the start. Plain-text
 * templates are not escaped; the Atom feed is (Eta's HTML escaping is valid XML escaping).
 */
export class AnnouncementTemplates {
  private readonly text = new Eta({ autoEscape: false, autoTrim: false });
  private readonly xml = new Eta({ autoEscape: true, autoTrim: false });

  /** Compiles the templates in `directory` (this file's by default); throws naming a template that does not compile. */
  constructor(directory: string = __dirname) {
    const load = (eta: Eta, name: string) => {
      const file = join(directory, `${name}.eta`);
      try {
        eta.loadTemplate(`@${name}`, readFileSync(file, 'utf8'));
      } catch (err) {
        throw new Error(`announcement template ${file} does not compile: ${(err as Error).message}`, { cause: err });
      }
    };
    for (const name of TEXT_TEMPLATES) load(this.text, name);
    load(this.xml, 'atom-feed');
  }

  /** Headline and full text of an announcement. */
  announcement(view: AnnouncementView): { title: string; text: string } {
    return {
      title: tidy(this.text.render(`@${view.kind}-title`, view)),
      text: tidy(this.text.render(`@${view.kind}-text`, view)),
    };
  }

  /** The Atom feed document. */
  feed(view: FeedView): string {
    return `${tidy(this.xml.render('@atom-feed', view))}\n`;
  }
}
