import { Inject, Injectable } from '@nestjs/common';
import { EventTypes, FundingAllocatedV1, FundingOccasion } from '@ki/contracts';
import { EncodedOutboxEvent, NonRetryableError, Outbox } from '@ki/messaging';
import { LedgerInvariant } from '../ledger.errors';
import type { EntityManager } from 'typeorm';
import { AccountIds, lockBudgets, NewAccount, NewTransfer, openAccountsAndBook, openFiscalYear } from '../ledger/ledger-book';
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
  /** Runs work in the trace of the causing event (a batch handler's events), so its event carries that correlation. */
  inTrace?: <R>(work: () => R) => R;
}

/** The decision, whether an earlier one already filled the slot, and each locked budget's remainder afterwards. */
export type AllocationResult = Decision & { decisionId: string; duplicate: boolean; remaining: Map<string, bigint> };

/**
 * Decides and books centres' funding for a fiscal year, each all or nothing, inside the caller's
 * transaction, and writes each funding-allocated or allocation-rejected event to the outbox in
 * the same transaction. Requests are decided in order against the locked budgets, so a batch
 * decides exactly as the same requests one after another would, in a few statements for all.
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
    const [result] = await this.allocateAll(manager, [request]);
    return result;
  }

  /**
   * Decides the requests in order and books them: the budgets of their years are locked first
   * (years in ascending order, accounts in id order, so concurrent allocations never deadlock), a
   * slot (centre, year, occasion) decided before, or earlier in the batch, is a no-op, and then
   * decisions, transfers and events are written in one statement each.
   */
  async allocateAll(manager: EntityManager, requests: AllocationRequest[]): Promise<AllocationResult[]> {
    if (requests.length === 0) return [];
    const budgetsByYear = new Map<number, Map<string, bigint>>();
    for (const year of [...new Set(requests.map((r) => r.fiscalYear))].sort((a, b) => a - b))
      budgetsByYear.set(
        year,
        await this.lockedBudgets(
          manager,
          year,
          requests.filter((r) => r.fiscalYear === year).flatMap((r) => r.lines),
        ),
      );
    const taken = await takenSlots(manager, requests);
    const results: AllocationResult[] = [];
    const decisions: DecisionRow[] = [];
    const booking: { accounts: NewAccount[]; transfers: NewTransfer[] } = { accounts: [], transfers: [] };
    const events: EncodedOutboxEvent[] = [];
    for (const request of requests) {
      const { centre, fiscalYear, occasion, causedByEventId } = request;
      const remaining = budgetsByYear.get(fiscalYear) as Map<string, bigint>;
      const decisionId = stableId('decision', causedByEventId, centre.centreId, occasion);
      const decision = decideAllocation(centre, occasion, request.fundedFrom, request.lines, remaining);
      const slot = slotKey(centre.centreId, fiscalYear, occasion);
      // The unique (centre, year, occasion) slot makes a second delivery, even with a new event id, a no-op.
      if (taken.has(slot)) {
        results.push({ ...decision, decisionId, duplicate: true, remaining: new Map(remaining) });
        continue;
      }
      taken.add(slot);
      decisions.push({ id: decisionId, request, decision });
      const inTrace = request.inTrace ?? ((work) => work());
      if (decision.outcome === 'reject') {
        events.push(inTrace(() => this.rejectedEvent(request, decisionId, decision)));
      } else {
        this.book(booking, request, decisionId, decision.lines);
        for (const line of decision.lines) remaining.set(line.programme.code, (remaining.get(line.programme.code) ?? 0n) - line.amount);
        const event = this.allocatedEvent(request, decisionId, decision.lines, remaining);
        events.push(inTrace(() => this.outbox.encode(EventTypes.FundingAllocatedV1, event, { id: stableId('event', decisionId) })));
      }
      results.push({ ...decision, decisionId, duplicate: false, remaining: new Map(remaining) });
    }
    await insertDecisions(manager, decisions);
    if (booking.transfers.length > 0) {
      const booked = await openAccountsAndBook(manager, booking.accounts, booking.transfers);
      // The decision slots were free, so every allocation slot must be too; anything else is a broken ledger.
      if (booked !== booking.transfers.length)
        throw new NonRetryableError(
          LedgerInvariant.brokenBooking,
          `allocations ${decisions.map((d) => d.id).join(', ')}: booked ${booked} of ${booking.transfers.length} transfers`,
        );
    }
    await this.outbox.addEncoded(manager, events);
    return results;
  }

  private rejectedEvent(request: AllocationRequest, decisionId: string, decision: Decision & { outcome: 'reject' }): EncodedOutboxEvent {
    const { centre, fiscalYear, occasion, causedByEventId } = request;
    return this.outbox.encode(
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

  /** Adds the transfers of one allocation, and the grant accounts they credit, to the batch's booking. */
  private book(
    booking: { accounts: NewAccount[]; transfers: NewTransfer[] },
    request: AllocationRequest,
    decisionId: string,
    lines: AllocationLine[],
  ): void {
    const { centre, fiscalYear } = request;
    for (const { programme, amount } of lines) {
      booking.transfers.push({
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
      });
      booking.accounts.push({
        id: AccountIds.grant(centre.centreId, programme.code, fiscalYear),
        kind: 'GRANT',
        unit: programme.unit,
        programmeCode: programme.code,
        fiscalYear,
        centreId: centre.centreId,
      });
    }
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

/** A decision to record: its id, what asked for it and what was decided. */
interface DecisionRow {
  id: string;
  request: AllocationRequest;
  decision: Decision;
}

const slotKey = (centreId: string, fiscalYear: number, occasion: FundingOccasion) => `${centreId}:${fiscalYear}:${occasion}`;

/** The slots of these requests decided before, under the budget locks (so no other allocation of those years is under way). */
async function takenSlots(manager: EntityManager, requests: AllocationRequest[]): Promise<Set<string>> {
  const rows: { centre_id: string; fiscal_year: number; occasion: FundingOccasion }[] = await manager.query(
    `SELECT d.centre_id, d.fiscal_year, d.occasion FROM funding_decisions d
       JOIN unnest($1::uuid[], $2::int[], $3::text[]) AS r(centre_id, fiscal_year, occasion)
         ON d.centre_id = r.centre_id AND d.fiscal_year = r.fiscal_year AND d.occasion = r.occasion`,
    [requests.map((r) => r.centre.centreId), requests.map((r) => r.fiscalYear), requests.map((r) => r.occasion)],
  );
  return new Set(rows.map((r) => slotKey(r.centre_id, r.fiscal_year, r.occasion)));
}

/** Records the decisions in one statement; each slot was found free under the budget locks, so each must insert. */
async function insertDecisions(manager: EntityManager, decisions: DecisionRow[]): Promise<void> {
  if (decisions.length === 0) return;
  const column = <T>(value: (d: DecisionRow) => T) => decisions.map(value);
  const inserted: unknown[] = await manager.query(
    `INSERT INTO funding_decisions (id, centre_id, fiscal_year, occasion, outcome, reason, detail, caused_by_event_id)
     SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::int[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
     ON CONFLICT (centre_id, fiscal_year, occasion) DO NOTHING RETURNING id`,
    [
      column((d) => d.id),
      column((d) => d.request.centre.centreId),
      column((d) => d.request.fiscalYear),
      column((d) => d.request.occasion),
      column((d) => (d.decision.outcome === 'allocate' ? 'allocated' : 'rejected')),
      column((d) => (d.decision.outcome === 'reject' ? d.decision.reason : null)),
      column((d) => (d.decision.outcome === 'reject' ? d.decision.detail : null)),
      column((d) => d.request.causedByEventId),
    ],
  );
  // Another transaction decided one of these slots meanwhile: the chunk is retried and decides again.
  if (inserted.length !== decisions.length)
    throw new Error(`${decisions.length - inserted.length} of ${decisions.length} funding decisions were made meanwhile elsewhere`);
}
