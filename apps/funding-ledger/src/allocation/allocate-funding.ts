import { Inject, Injectable } from '@nestjs/common';
import { EventTypes, FundingAllocatedV1, FundingOccasion } from '@ki/contracts';
import { NonRetryableError, Outbox } from '@ki/messaging';
import { LedgerInvariant } from '../ledger.errors';
import type { EntityManager } from 'typeorm';
import { AccountIds, lockBudgets, NewTransfer, openAccountsAndBook, openFiscalYear } from '../ledger/ledger-book';
import { stableId } from '../ledger/stable-id';
import { Programme, PROGRAMMES } from '../programmes/programmes';
import { AllocationLine, CentreFacts, Decision, decideAllocation } from './domain/decide-allocation';

/** A centre as the ledger knows it, with the name the events carry. */
export interface FundedCentre extends CentreFacts {
  hostBodyName: string;
}

/** What asked for the allocation. */
export interface AllocationRequest {
  centre: FundedCentre;
  occasion: FundingOccasion;
  fiscalYear: number;
  /** First day the funding covers: the opening date, or 1 January for a rollover. */
  fundedFrom: string;
  lines: AllocationLine[];
  /** `ce_id` of the causing event (centre opened), or the rollover's id. */
  causedByEventId: string;
}

/** The decision, whether an earlier one already filled the slot, and each locked budget's remainder afterwards. */
export type AllocationResult = Decision & { decisionId: string; duplicate: boolean; remaining: Map<string, bigint> };

/**
 * Decides and books one centre's funding for one fiscal year, all or nothing, inside the
 * caller's transaction, and writes the funding-allocated or allocation-rejected event to the
 * outbox in the same transaction.
 */
@Injectable()
export class AllocateFunding {
  /** Programme codes by the event field they count towards; the configuration does not change at run time. */
  private readonly codesByRole = new Map<Programme['reportAs'], string[]>();

  constructor(
    @Inject(PROGRAMMES) private readonly programmes: Programme[],
    private readonly outbox: Outbox,
  ) {
    for (const role of ['GRANT', 'TEACHER_POSTS', 'KOMM_AN'] as const)
      this.codesByRole.set(
        role,
        programmes.filter((p) => p.reportAs === role).map((p) => p.code),
      );
  }

  async allocate(manager: EntityManager, request: AllocationRequest): Promise<AllocationResult> {
    const { centre, fiscalYear, occasion, causedByEventId } = request;
    const decisionId = stableId('decision', causedByEventId, centre.centreId, occasion);
    const remaining = await this.lockedBudgets(manager, fiscalYear, request.lines);
    const decision = decideAllocation(centre, occasion, request.fundedFrom, request.lines, remaining);

    // The unique (centre, year, occasion) slot makes a second delivery, even with a new event id, a no-op.
    const inserted: unknown[] = await manager.query(
      `INSERT INTO funding_decisions (id, centre_id, fiscal_year, occasion, outcome, reason, detail, caused_by_event_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (centre_id, fiscal_year, occasion) DO NOTHING RETURNING id`,
      [
        decisionId,
        centre.centreId,
        fiscalYear,
        occasion,
        decision.outcome === 'allocate' ? 'allocated' : 'rejected',
        decision.outcome === 'reject' ? decision.reason : null,
        decision.outcome === 'reject' ? decision.detail : null,
        causedByEventId,
      ],
    );
    if (inserted.length === 0) return { ...decision, decisionId, duplicate: true, remaining };

    if (decision.outcome === 'reject') {
      await this.outbox.add(
        manager,
        EventTypes.FundingAllocationRejectedV1,
        {
          decisionId,
          centreId: centre.centreId,
          hostBodyKey: centre.hostBodyKey,
          hostBodyName: centre.hostBodyName,
          fiscalYear,
          occasion,
          causationEventId: causedByEventId,
          reason: decision.reason,
          detail: decision.detail,
          ...(decision.shortfall && {
            programmeCode: decision.shortfall.programme.code,
            programmeName: decision.shortfall.programme.name,
            unit: decision.shortfall.programme.unit,
            neededAmount: decision.shortfall.needed.toString(),
            availableAmount: decision.shortfall.available.toString(),
          }),
        },
        { id: stableId('event', decisionId) },
      );
      return { ...decision, decisionId, duplicate: false, remaining };
    }

    await this.book(manager, request, decisionId, decision.lines);
    for (const line of decision.lines) remaining.set(line.programme.code, (remaining.get(line.programme.code) ?? 0n) - line.amount);
    await this.outbox.add(manager, EventTypes.FundingAllocatedV1, this.allocatedEvent(request, decisionId, decision.lines, remaining), {
      id: stableId('event', decisionId),
    });
    return { ...decision, decisionId, duplicate: false, remaining };
  }

  /** Locks the budgets the lines draw on, opening the fiscal year first if it is new. */
  private async lockedBudgets(manager: EntityManager, year: number, lines: AllocationLine[]): Promise<Map<string, bigint>> {
    const codes = [...new Set([...lines.map((l) => l.programme.code), ...this.reported('GRANT', 'TEACHER_POSTS')])];
    let remaining = await lockBudgets(manager, year, codes);
    if (lines.some((l) => !remaining.has(l.programme.code))) {
      await openFiscalYear(manager, this.programmes, year);
      remaining = await lockBudgets(manager, year, codes);
    }
    return remaining;
  }

  private reported(...roles: Programme['reportAs'][]): string[] {
    return roles.flatMap((role) => this.codesByRole.get(role) ?? []);
  }

  private async book(manager: EntityManager, request: AllocationRequest, decisionId: string, lines: AllocationLine[]): Promise<void> {
    const { centre, fiscalYear } = request;
    const transfers = lines.map(({ programme, amount }): NewTransfer => ({
      id: stableId('allocation', request.causedByEventId, centre.centreId, programme.code),
      debit: AccountIds.budget(programme.code, fiscalYear),
      credit: AccountIds.grant(centre.centreId, programme.code, fiscalYear),
      unit: programme.unit,
      amount,
      kind: 'ALLOCATION',
      programmeCode: programme.code,
      fiscalYear,
      centreId: centre.centreId,
      valueDate: request.fundedFrom,
      legalBasis: programme.legalBasis,
      causedByEventId: request.causedByEventId,
      decisionId,
    }));
    const accounts = lines.map(({ programme }) => ({
      id: AccountIds.grant(centre.centreId, programme.code, fiscalYear),
      kind: 'GRANT' as const,
      unit: programme.unit,
      programmeCode: programme.code,
      fiscalYear,
      centreId: centre.centreId,
    }));
    const booked = await openAccountsAndBook(manager, accounts, transfers);
    // The decision slot was free, so every allocation slot must be too; anything else is a broken ledger.
    if (booked !== transfers.length)
      throw new NonRetryableError(
        LedgerInvariant.brokenBooking,
        `allocation ${decisionId}: booked ${booked} of ${transfers.length} transfers`,
      );
  }

  private allocatedEvent(
    request: AllocationRequest,
    allocationId: string,
    lines: AllocationLine[],
    remaining: Map<string, bigint>,
  ): FundingAllocatedV1 {
    const sum = (role: Programme['reportAs'], values: (l: AllocationLine) => bigint, of = lines) =>
      of.filter((l) => l.programme.reportAs === role).reduce((total, l) => total + values(l), 0n);
    const grant = sum('GRANT', (l) => l.amount);
    const kommAn = sum('KOMM_AN', (l) => l.amount);
    const left = (role: Programme['reportAs']) => this.reported(role).reduce((total, code) => total + (remaining.get(code) ?? 0n), 0n);
    return {
      allocationId,
      centreId: request.centre.centreId,
      hostBodyKey: request.centre.hostBodyKey,
      hostBodyName: request.centre.hostBodyName,
      fiscalYear: request.fiscalYear,
      occasion: request.occasion,
      causationEventId: request.causedByEventId,
      grantCents: grant.toString(),
      grantBudgetRemainingCents: left('GRANT').toString(),
      teacherPostsHundredths: Number(sum('TEACHER_POSTS', (l) => l.amount)),
      teacherPostsRemainingHundredths: Number(left('TEACHER_POSTS')),
      teacherPostsValueCents: sum('TEACHER_POSTS', (l) => l.amount * (l.programme.valuePerUnitCents ?? 0n)).toString(),
      kommAnCents: kommAn.toString(),
      totalCents: (grant + kommAn).toString(),
    };
  }
}
