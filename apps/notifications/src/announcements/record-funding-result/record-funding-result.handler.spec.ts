import { NonRetryableError } from '@ki/messaging';
import { coesfeldOpened } from '@ki/testing';
import { fundingAllocated, fundingRejected, maisShortfall, maisShortfallDetail } from '../../test-support/funding-fixtures';
import { fundingResultOf } from './record-funding-result.handler';

const opened = coesfeldOpened();
const openingEventId = 'opening-event-1';

describe('the funding result of a ledger decision', () => {
  it('takes an allocation with its figures, known on the German calendar day of the event', () => {
    expect(fundingResultOf(fundingAllocated(opened, openingEventId), '2016-02-11T23:30:00Z')).toEqual({
      openingEventId,
      centreId: opened.centreId,
      hostBodyKey: opened.hostBodyKey,
      funding: {
        outcome: 'allocated',
        fiscalYear: 2016,
        grantCents: '15583333',
        teacherPostsHundredths: 200,
        kommAnCents: '0',
        totalCents: '15583333',
        knownOn: '2016-02-12',
      },
    });
  });

  it('takes a rejection with its reason and the budget that was too small', () => {
    expect(fundingResultOf(fundingRejected(opened, openingEventId), '2016-02-12T10:00:00Z')?.funding).toEqual({
      outcome: 'rejected',
      fiscalYear: 2016,
      reason: 'BUDGET_EXHAUSTED',
      detail: maisShortfallDetail,
      shortfall: maisShortfall,
      knownOn: '2016-02-12',
    });
  });

  it('has none for decisions not taken for an opening', () => {
    expect(fundingResultOf(fundingAllocated(opened, openingEventId, { occasion: 'rollover' }), '2017-01-01T00:00:00Z')).toBeUndefined();
  });

  it('refuses an event time that is no instant as not retryable', () => {
    expect(() => fundingResultOf(fundingAllocated(opened, openingEventId), 'yesterday')).toThrow(NonRetryableError);
  });
});
