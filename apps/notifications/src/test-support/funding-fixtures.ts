import { CentreOpenedV1, FundingAllocatedV1, FundingAllocationRejectedV1 } from '@ki/contracts';
import { randomUUID } from 'node:crypto';

/** The ledger's allocation for an opening: Coesfeld's figures of 2016 (11/12 of 170,000 EUR, 2 teacher posts). */
export function fundingAllocated(
  opened: CentreOpenedV1,
  openingEventId: string,
  overrides: Partial<FundingAllocatedV1> = {},
): FundingAllocatedV1 {
  return Object.assign(new FundingAllocatedV1(), {
    allocationId: randomUUID(),
    centreId: opened.centreId,
    hostBodyKey: opened.hostBodyKey,
    hostBodyName: opened.hostBodyName,
    fiscalYear: Number(opened.openedOn.slice(0, 4)),
    occasion: 'opening',
    causationEventId: openingEventId,
    grantCents: '15583333',
    grantBudgetRemainingCents: '84416667',
    teacherPostsHundredths: 200,
    teacherPostsRemainingHundredths: 800,
    teacherPostsValueCents: '10000000',
    kommAnCents: '0',
    totalCents: '15583333',
    ...overrides,
  });
}

/** The MAIS budget that was too small for Coesfeld's grant: 155,833.33 EUR needed, 12,000 EUR left. */
export const maisShortfall = {
  programmeName: 'Landeszuwendung für das Personal der Kommunalen Integrationszentren (MAIS)',
  unit: 'EUR_CENT',
  needed: '15583333',
  available: '1200000',
} as const;

/** The ledger's English detail of that refusal, as its event carries it. */
export const maisShortfallDetail = 'MAIS_KI_GRANT 2016: 15583333 EUR_CENT needed, 1200000 left in the budget';

/** The ledger's refusal of an opening's funding for the MAIS shortfall above. */
export function fundingRejected(opened: CentreOpenedV1, openingEventId: string): FundingAllocationRejectedV1 {
  return Object.assign(new FundingAllocationRejectedV1(), {
    decisionId: randomUUID(),
    centreId: opened.centreId,
    hostBodyKey: opened.hostBodyKey,
    hostBodyName: opened.hostBodyName,
    fiscalYear: Number(opened.openedOn.slice(0, 4)),
    occasion: 'opening',
    causationEventId: openingEventId,
    reason: 'BUDGET_EXHAUSTED',
    detail: maisShortfallDetail,
    programmeCode: 'MAIS_KI_GRANT',
    programmeName: maisShortfall.programmeName,
    unit: maisShortfall.unit,
    neededAmount: maisShortfall.needed,
    availableAmount: maisShortfall.available,
  });
}
