import {
  announcementView,
  draftAnnouncement,
  FundingFacts,
  OpeningFacts,
  whenFundingArrives,
  whenFundingWaitIsOver,
  whenOpeningArrives,
} from './announcement';

const pressOffice = { sender: ['Pressestelle'], contact: 'Bei Nachfragen: Pressestelle.' };

const coesfeld: OpeningFacts = {
  openingEventId: 'e-50',
  centreId: '7d0e4bde-3f43-4a4c-9f4c-0b6a3f1f2a11',
  hostBodyKey: '05558',
  hostBodyName: 'Kreis Coesfeld',
  ordinal: 50,
  openedOn: '2016-02-12',
  place: 'Lüdinghausen',
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
const rejected: FundingFacts = {
  outcome: 'rejected',
  fiscalYear: 2016,
  reason: 'BUDGET_EXHAUSTED',
  detail: 'Budget leer.',
  knownOn: '2016-03-03',
};

describe('announcing an opening', () => {
  it('waits for the funding unless it is known already', () => {
    expect(whenOpeningArrives(undefined)).toBe('wait');
    expect(whenOpeningArrives(allocated)).toBe('announce');
  });

  it('announces a waiting opening with its funding, follows up one announced alone, and keeps a result for an opening not seen yet', () => {
    expect(whenFundingArrives('waiting')).toBe('announce-opening');
    expect(whenFundingArrives('announced_alone')).toBe('announce-follow-up');
    expect(whenFundingArrives(undefined)).toBe('keep');
    expect(whenFundingArrives('announced')).toBe('nothing');
    expect(whenFundingArrives('recorded')).toBe('nothing');
  });

  it('announces alone only an opening still waiting when the wait is over', () => {
    expect(whenFundingWaitIsOver('waiting')).toBe('announce-alone');
    expect(whenFundingWaitIsOver('announced')).toBe('nothing');
    expect(whenFundingWaitIsOver('announced_alone')).toBe('nothing');
  });

  it('dates an opening announcement with the opening day and a follow-up with the day the funding became known', () => {
    expect(draftAnnouncement('opening', coesfeld, allocated).announcedOn).toBe('2016-02-12');
    expect(draftAnnouncement('opening', coesfeld).announcedOn).toBe('2016-02-12');
    expect(draftAnnouncement('funding', coesfeld, rejected).announcedOn).toBe('2016-03-03');
    expect(draftAnnouncement('funding', coesfeld, { ...allocated, knownOn: '2016-01-30' }).announcedOn).toBe('2016-02-12');
  });

  it('needs the funding result for a follow-up', () => {
    expect(() => draftAnnouncement('funding', coesfeld)).toThrow(RangeError);
  });

  it('shows the milestone and the funding figures formatted the German way', () => {
    const view = announcementView(draftAnnouncement('opening', coesfeld, allocated), '12/2/2016', pressOffice);

    expect(view).toMatchObject({
      number: '12/2/2016',
      dateLong: '12. Februar 2016',
      dateShort: '12.02.2016',
      milestone: '50. Kommunales Integrationszentrum',
      fundingStatus: 'allocated',
      allocated: { fiscalYear: 2016, grant: '155.833,33 €', teacherPosts: '2 Lehrerstellen', kommAn: undefined, total: '155.833,33 €' },
    });
    expect(view.rejected).toBeUndefined();
  });

  it('shows KOMM-AN NRW money when there is some', () => {
    const view = announcementView(
      draftAnnouncement('opening', coesfeld, { ...allocated, kommAnCents: '5000000', totalCents: '20583333' }),
      '12/2/2016',
      pressOffice,
    );

    expect(view.allocated).toMatchObject({ kommAn: '50.000,00 €', total: '205.833,33 €' });
  });

  it('gives the reason of a refusal in words', () => {
    const view = announcementView(draftAnnouncement('funding', coesfeld, rejected), '20/3/2016', pressOffice);

    expect(view.fundingStatus).toBe('rejected');
    expect(view.allocated).toBeUndefined();
    expect(view.rejected).toEqual({ fiscalYear: 2016, reasonCode: 'BUDGET_EXHAUSTED', reasonText: expect.any(String) });
    expect(view.rejected?.reasonText).toContain('vollständig vergeben');
  });
});
