import { EnvelopeHeaders, EventTypes } from '@ki/contracts';
import { coesfeldFundingAllocated, coesfeldOpened } from '@ki/testing';
import { observe, RawMessage } from '../message-index/indexed-message';
import { buildJourney, formatCents, formatHundredths } from './journey';

const opened = coesfeldOpened();

function message(type: string, payload: object, time: string, extra: Partial<RawMessage> = {}): RawMessage {
  return {
    topic: 'ki.registry.centres.v1',
    partition: 0,
    offset: '0',
    timestamp: time,
    key: '05558',
    value: JSON.stringify(payload),
    headers: { [EnvelopeHeaders.id]: `id-${type}-${time}`, [EnvelopeHeaders.type]: type, [EnvelopeHeaders.time]: time },
    ...extra,
  };
}

describe('the journey of a centre', () => {
  it('flags the funding overdue when the opening is older than the threshold', () => {
    const messages = [observe(message(EventTypes.CentreOpenedV1.type, opened, '2026-01-01T10:00:00.000Z'), 1)];

    const journey = buildJourney('05558', messages, { now: new Date('2026-01-01T10:06:00Z'), overdueAfterMs: 5 * 60_000, reveal: false });

    expect(journey.missing).toEqual([{ step: 'funding', waitingSince: '2026-01-01T10:00:00.000Z', overdue: true }]);
  });

  it('expects no announcement of a historical opening, and says its date is assumed', () => {
    const historical = { ...opened, dateStatus: 'assumed', historical: true };
    const allocated = coesfeldFundingAllocated(opened, 'id-opening');
    const messages = [
      observe(message(EventTypes.CentreOpenedV1.type, historical, '2026-01-01T10:00:00.000Z'), 1),
      observe(message(EventTypes.FundingAllocatedV1.type, allocated, '2026-01-01T10:00:01.000Z', { topic: 'ki.ledger.funding.v1' }), 2),
    ];

    const journey = buildJourney('05558', messages, { now: new Date('2026-01-01T11:00:00Z'), overdueAfterMs: 5 * 60_000, reveal: false });

    expect(journey.missing).toEqual([]);
    expect(journey.entries[0].summary).toBe(
      'opened on 2016-02-12 (date assumed) in Lüdinghausen as centre no. 50, recorded later by the history import (not announced)',
    );
  });

  it('waits without flagging while the opening is younger than the threshold', () => {
    const messages = [observe(message(EventTypes.CentreOpenedV1.type, opened, '2026-01-01T10:00:00.000Z'), 1)];

    const journey = buildJourney('05558', messages, { now: new Date('2026-01-01T10:01:00Z'), overdueAfterMs: 5 * 60_000, reveal: false });

    expect(journey.missing).toEqual([{ step: 'funding', waitingSince: '2026-01-01T10:00:00.000Z', overdue: false }]);
  });

  it('leaves out an opening that breaks its contract and shows its dead letter as a failure', () => {
    const poison = message(EventTypes.CentreOpenedV1.type, { ...opened, openedOn: 'soon' }, '2026-01-01T10:00:00.000Z');
    const deadLetter = {
      ...poison,
      topic: 'ki.dead-letters.v1',
      headers: {
        ...poison.headers,
        dlq_consumer_group: 'funding-ledger',
        dlq_error_code: 'CONTRACT.INVALID_PAYLOAD',
        dlq_error: 'openedOn',
      },
    };

    const journey = buildJourney('05558', [observe(poison, 1), observe(deadLetter, 2)], {
      now: new Date('2026-01-01T10:01:00Z'),
      overdueAfterMs: 60_000,
      reveal: false,
    });

    expect(journey.entries).toHaveLength(1);
    expect(journey.entries[0]).toMatchObject({ step: 'opened', deadLetteredBy: 'funding-ledger' });
    expect(journey.missing).toEqual([]);
  });

  it('shows a dead letter sent twice (a crash between sending and committing) as one failure', () => {
    const poison = message(EventTypes.CentreOpenedV1.type, { ...opened, openedOn: 'soon' }, '2026-01-01T10:00:00.000Z', { offset: '7' });
    const copy = (offset: string) => ({
      ...poison,
      topic: 'ki.dead-letters.v1',
      offset,
      headers: {
        ...poison.headers,
        dlq_original_topic: 'ki.registry.centres.v1',
        dlq_original_partition: '0',
        dlq_original_offset: '7',
        dlq_consumer_group: 'funding-ledger',
        dlq_error_code: 'CONTRACT.INVALID_PAYLOAD',
        dlq_error: 'openedOn',
      },
    });
    const byOtherGroup = { ...copy('2'), headers: { ...copy('2').headers, dlq_consumer_group: 'notifications' } };
    const messages = [poison, copy('0'), copy('1'), byOtherGroup].map((raw, i) => observe(raw, i + 1));

    const journey = buildJourney('05558', messages, {
      now: new Date('2026-01-01T10:01:00Z'),
      overdueAfterMs: 60_000,
      reveal: false,
    });

    expect(journey.entries.map((e) => e.deadLetteredBy)).toEqual(['funding-ledger', 'notifications']);
  });

  it('writes cents as euros with thousands separators', () => {
    expect(formatCents('15583333')).toBe('155,833.33 EUR');
    expect(formatCents('5')).toBe('0.05 EUR');
  });

  it('writes hundredths of teacher posts exactly, without trailing zeros', () => {
    expect([200, 350, 125, 5, 10_770, 29].map(formatHundredths)).toEqual(['2', '3.5', '1.25', '0.05', '107.7', '0.29']);
    expect([-1, 1.5, '200', undefined].map(formatHundredths)).toEqual(['?', '?', '?', '?']);
  });
});
