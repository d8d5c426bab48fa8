import { parseProgrammes } from '../../programmes/programmes';
import { decideAllocation } from './decide-allocation';

const [grant] = parseProgrammes({
  programmes: [
    {
      code: 'MAIS_KI_GRANT',
      name: 'Landeszuwendung (MAIS)',
      unit: 'EUR_CENT',
      reportAs: 'GRANT',
      legalBasis: 'x',
      terms: [{ validFrom: '2013-01-01', share: { kind: 'PER_CENTRE', amount: '17000000' }, openingYear: 'FULL', yearlyBudget: '1' }],
    },
  ],
});
const coesfeld = { centreId: 'c', hostBodyKey: '05558', openedOn: '2016-02-12', closedOn: null };

describe('deciding an allocation', () => {
  it('names the programme, the share needed and what is left when a budget is too small', () => {
    const decision = decideAllocation(
      coesfeld,
      'opening',
      '2016-02-12',
      [{ programme: grant, amount: 15_583_333n }],
      new Map([['MAIS_KI_GRANT', 1_200_000n]]),
    );

    expect(decision).toEqual({
      outcome: 'reject',
      reason: 'BUDGET_EXHAUSTED',
      detail: 'MAIS_KI_GRANT 2016: 15583333 EUR_CENT needed, 1200000 left in the budget',
      shortfall: { programme: grant, needed: 15_583_333n, available: 1_200_000n },
    });
  });
});
