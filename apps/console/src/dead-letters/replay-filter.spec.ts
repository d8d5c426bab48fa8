import { planReplay, ReplayCandidate } from './replay-filter';

const letter = (offset: number, over: Partial<ReplayCandidate> & { group?: string; code?: string; at?: string } = {}): ReplayCandidate => ({
  partition: 0,
  offset: String(offset),
  id: over.id ?? `event-${offset}`,
  type: over.type ?? 'ki.registry.centre-opened.v1',
  deadLetter: {
    errorCode: over.code ?? 'CONTRACT.INVALID_PAYLOAD',
    consumerGroup: over.group ?? 'funding-ledger',
    failedAt: over.at ?? '2026-11-30T08:00:00.000Z',
  },
});

const nothingHandled = () => false;

describe('choosing the dead letters of a bulk replay', () => {
  it('takes only the letters matching every criterion given', () => {
    const letters = [
      letter(1),
      letter(2, { code: 'HANDLER.FAILED' }),
      letter(3, { type: 'ki.ledger.funding-allocated.v1' }),
      letter(4, { group: 'notifications' }),
    ];

    const plan = planReplay(
      letters,
      { reason: 'CONTRACT.INVALID_PAYLOAD', type: 'ki.registry.centre-opened.v1', consumerGroup: 'funding-ledger' },
      nothingHandled,
    );

    expect(plan.toSend.map((l) => l.offset)).toEqual(['1']);
  });

  it('bounds the failure time from (inclusive) to (exclusive)', () => {
    const letters = [
      letter(1, { at: '2026-11-30T07:59:59.999Z' }),
      letter(2, { at: '2026-11-30T08:00:00.000Z' }),
      letter(3, { at: '2026-11-30T08:59:59.999Z' }),
      letter(4, { at: '2026-11-30T09:00:00.000Z' }),
    ];

    const plan = planReplay(
      letters,
      { failedFrom: new Date('2026-11-30T08:00:00Z'), failedTo: new Date('2026-11-30T09:00:00Z') },
      nothingHandled,
    );

    expect(plan.toSend.map((l) => l.offset)).toEqual(['2', '3']);
  });

  it('sends an event a group dead-lettered twice only once, and another group its own copy', () => {
    const letters = [letter(1, { id: 'same' }), letter(2, { id: 'same' }), letter(3, { id: 'same', group: 'notifications' })];

    expect(planReplay(letters, {}, nothingHandled).toSend.map((l) => l.offset)).toEqual(['1', '3']);
  });

  it('counts letters whose group already handled the event as already handled, not to send', () => {
    const letters = [letter(1, { id: 'done' }), letter(2, { id: 'open' })];

    const plan = planReplay(letters, {}, (group, id) => group === 'funding-ledger' && id === 'done');

    expect(plan.alreadyHandled.map((l) => l.offset)).toEqual(['1']);
    expect(plan.toSend.map((l) => l.offset)).toEqual(['2']);
  });

  it('ignores messages that are no dead letters', () => {
    expect(planReplay([{ partition: 0, offset: '9', id: 'x' }], {}, nothingHandled)).toEqual({ toSend: [], alreadyHandled: [] });
  });
});
