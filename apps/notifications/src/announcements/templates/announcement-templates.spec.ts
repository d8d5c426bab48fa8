import { announcementView, draftAnnouncement, FundingFacts, OpeningFacts } from '../domain/announcement';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { maisShortfall, maisShortfallDetail } from '../../test-support/funding-fixtures';
import { AnnouncementTemplates } from './announcement-templates';

const templates = new AnnouncementTemplates();
const pressOffice = {
  sender: ['Kommunale Integrationszentren NRW', 'Pressestelle', 'presse@example.org'],
  contact: 'Bei Nachfragen: Pressestelle, presse@example.org.',
};
const coesfeld: OpeningFacts = {
  openingEventId: 'e-50',
  centreId: '7d0e4bde-3f43-4a4c-9f4c-0b6a3f1f2a11',
  hostBodyKey: '05558',
  hostBodyName: 'Kreis Coesfeld',
  ordinal: 50,
  openedOn: '2016-02-12',
  place: 'Lüdinghausen',
  seat: 'Friedrich-Ebert-Straße 7, 48653 Coesfeld',
};
const allocated: FundingFacts = {
  outcome: 'allocated',
  fiscalYear: 2016,
  grantCents: '15583333',
  teacherPostsHundredths: 200,
  kommAnCents: '0',
  totalCents: '15583333',
  knownOn: '2016-02-12',
};

describe('announcement templates', () => {
  it('render the opening with its funding as a numbered, dated press release', () => {
    const { title, text } = templates.announcement(
      announcementView(draftAnnouncement('opening', coesfeld, allocated), '12/2/2016', pressOffice),
    );

    expect(title).toBe('50. Kommunales Integrationszentrum in Nordrhein-Westfalen eröffnet: Kreis Coesfeld');
    const lines = text.split('\n');
    expect(lines.slice(0, 8)).toEqual([
      'Presseinformation – 12/2/2016',
      '12.02.2016',
      '',
      'Kommunale Integrationszentren NRW',
      'Pressestelle',
      'presse@example.org',
      '',
      title,
    ]);
    expect(lines.at(-1)).toBe('Bei Nachfragen: Pressestelle, presse@example.org.');
    expect(text).toContain(
      'Lüdinghausen, 12. Februar 2016. Nordrhein-Westfalen hat sein 50. Kommunales Integrationszentrum: ' +
        'Am 12. Februar 2016 wurde das Zentrum für Kreis Coesfeld in Lüdinghausen eröffnet.',
    );
    expect(text).toContain('Das Zentrum hat seinen Sitz unter der Anschrift Friedrich-Ebert-Straße 7, 48653 Coesfeld.');
    expect(text).not.toContain('in Lüdinghausen offiziell die Arbeit aufgenommen');
    expect(text).toContain('Träger ist die Gebietskörperschaft Kreis Coesfeld.');
    expect(text).toContain('Für das Haushaltsjahr 2016 erhält das Zentrum vom Land 155.833,33 €');
    expect(text).toContain('Zusätzlich stellt das Land 2 Lehrerstellen');
    expect(text).not.toContain('KOMM-AN');
    expect(text).not.toMatch(/\n{3}/);
    expect(text).not.toMatch(/[ \t]$/m);
  });

  it('render an opening announced alone with a promise of a second announcement', () => {
    const { text } = templates.announcement(announcementView(draftAnnouncement('opening', coesfeld), '12/2/2016', pressOffice));

    expect(text).toContain('in einer eigenen Mitteilung');
    expect(text).not.toContain('€');
  });

  it('render the KOMM-AN NRW money and the total when there is some', () => {
    const funding: FundingFacts = { ...allocated, kommAnCents: '7028982', totalCents: '22612315' };
    const { text } = templates.announcement(announcementView(draftAnnouncement('opening', coesfeld, funding), '12/2/2016', pressOffice));

    expect(text).toContain('Aus dem Landesprogramm KOMM-AN NRW kommen 70.289,82 € hinzu; insgesamt fließen damit 226.123,15 €');
  });

  it('render a refused funding follow-up without figures', () => {
    const refusal: FundingFacts = {
      outcome: 'rejected',
      fiscalYear: 2016,
      reason: 'NO_PROGRAMME_FOR_YEAR',
      detail: 'Für 2016 ist kein Programm hinterlegt.',
      knownOn: '2016-03-01',
    };
    const { title, text } = templates.announcement(
      announcementView(draftAnnouncement('funding', coesfeld, refusal), '30/3/2016', pressOffice),
    );

    expect(title).toBe('Keine Landesförderung für das 50. Kommunale Integrationszentrum (Kreis Coesfeld) im Haushaltsjahr 2016');
    expect(text).toContain('Presseinformation – 30/3/2016\n01.03.2016');
    expect(text).toContain('am 12. Februar 2016 in Lüdinghausen eröffnet wurde (Träger: Kreis Coesfeld)');
    expect(text).toContain('wurde nicht bewilligt, denn für dieses Haushaltsjahr ist noch kein Förderprogramm festgelegt.');
    expect(text).not.toContain('Lehrerstelle');
  });

  it('render a refusal for an exhausted budget in German with euro amounts, without codes, cents or English', () => {
    const refusal: FundingFacts = {
      outcome: 'rejected',
      fiscalYear: 2016,
      reason: 'BUDGET_EXHAUSTED',
      detail: maisShortfallDetail,
      shortfall: maisShortfall,
      knownOn: '2016-02-12',
    };
    const { text } = templates.announcement(announcementView(draftAnnouncement('opening', coesfeld, refusal), '12/2/2016', pressOffice));

    expect(text).toContain(
      'wurde nicht bewilligt, denn die Mittel des Programms „Landeszuwendung für das Personal der Kommunalen Integrationszentren (MAIS)“ ' +
        'für 2016 reichen nicht aus (benötigt 155.833,33 €, verfügbar 12.000,00 €).',
    );
    expect(text).not.toMatch(/BUDGET_EXHAUSTED|MAIS_KI_GRANT|EUR_CENT|15583333|needed|left|budget/);
  });

  it('render teacher posts missing from a budget as posts', () => {
    const refusal: FundingFacts = {
      outcome: 'rejected',
      fiscalYear: 2016,
      reason: 'BUDGET_EXHAUSTED',
      detail: 'MSW_TEACHER_POSTS 2016: 200 POST_HUNDREDTH needed, 150 left in the budget',
      shortfall: { programmeName: 'Lehrerstellen (MSW)', unit: 'POST_HUNDREDTH', needed: '200', available: '150' },
      knownOn: '2016-02-12',
    };
    const { text } = templates.announcement(announcementView(draftAnnouncement('opening', coesfeld, refusal), '12/2/2016', pressOffice));

    expect(text).toContain('(benötigt 2 Lehrerstellen, verfügbar 1,5 Lehrerstellen)');
  });

  it('render a reopening as a new centre with a new ordinal, naming its predecessor', () => {
    const successor: OpeningFacts = {
      ...coesfeld,
      ordinal: 55,
      openedOn: '2019-03-01',
      previousOrdinal: 50,
      previousClosedOn: '2018-12-31',
    };
    const { title, text } = templates.announcement(announcementView(draftAnnouncement('opening', successor), '3/3/2019', pressOffice));

    expect(title).toBe('55. Kommunales Integrationszentrum in Nordrhein-Westfalen neu eröffnet: Kreis Coesfeld');
    expect(text).toContain(
      'Es ist ein neues Zentrum mit einer neuen laufenden Nummer: Das frühere Kommunale Integrationszentrum für Kreis Coesfeld, ' +
        'das 50. des Landes, hatte seine Arbeit am 31. Dezember 2018 beendet.',
    );
  });

  it('put a Kreis given as the place after "im", not "in"', () => {
    const { text } = templates.announcement(
      announcementView(draftAnnouncement('opening', { ...coesfeld, place: 'Kreis Coesfeld' }), '12/2/2016', pressOffice),
    );

    expect(text).toContain('wurde das Zentrum für Kreis Coesfeld im Kreis Coesfeld eröffnet');
    expect(text).not.toContain('in Kreis');
  });

  it('escape the Atom feed as XML', () => {
    const xml = templates.feed({
      id: 'http://example.org/feed.atom',
      selfUrl: 'http://example.org/feed.atom',
      updated: '2016-02-12T10:00:00.000Z',
      entries: [
        {
          id: '1b4e28ba-2fa1-4d3b-8b5c-5f6e0a1b2c3d',
          number: '12/2/2016',
          title: 'Stadt <Aachen> & "Städteregion"',
          kind: 'opening',
          published: '2016-02-12T10:00:00.000Z',
          url: 'http://example.org/announcements/1b4e28ba-2fa1-4d3b-8b5c-5f6e0a1b2c3d',
          text: 'A & B < C',
        },
      ],
    });

    expect(xml).toMatch(/^<\?xml version="1.0" encoding="utf-8"\?>\n<feed xmlns="http:\/\/www.w3.org\/2005\/Atom"/);
    expect(xml).toContain('<title>Presseinformation 12/2/2016: Stadt &lt;Aachen&gt; &amp; &quot;Städteregion&quot;</title>');
    expect(xml).toContain('<content type="text">A &amp; B &lt; C</content>');
    expect(xml).toContain('<id>urn:uuid:1b4e28ba-2fa1-4d3b-8b5c-5f6e0a1b2c3d</id>');
  });

  it('refuse to start with a template that does not compile, naming it', () => {
    const directory = mkdtempSync(join(tmpdir(), 'templates-'));
    try {
      cpSync(__dirname, directory, { recursive: true, filter: (source) => !source.endsWith('.ts') });
      writeFileSync(join(directory, 'background.eta'), 'Seit <%= it.since');

      expect(() => new AnnouncementTemplates(directory)).toThrow(/background\.eta does not compile/);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
