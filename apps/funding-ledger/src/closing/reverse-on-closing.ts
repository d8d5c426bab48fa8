import { Inject, Injectable, Logger } from '@nestjs/common';
import { CentreClosedV1, EventTypes } from '@ki/contracts';
import { Outbox } from '@ki/messaging';
import type { EntityManager } from 'typeorm';
import { monthOf, unusedGrant, yearOf } from '../allocation/domain/amounts';
import { perCentreAmount } from '../allocation/domain/decide-allocation';
import { bookTransfers, NewTransfer } from '../ledger/ledger-book';
import { stableId } from '../ledger/stable-id';
import { Programme, PROGRAMMES, termOn } from '../programmes/programmes';

interface BookedAllocation {
  id: string;
  programme_code: string;
  fiscal_year: number;
  amount: string;
  unit: Programme['unit'];
  debit_account_id: string;
  credit_account_id: string;
  value_date: string;
}

/**
 * On a centre's closing: no further allocations, and what it will not use goes back to the budgets
 * by reversing transfers (policy in `unusedGrant`: the grant of the months after the closing month,
 * all teacher posts; KOMM-AN NRW money stays). Allocations of later years are reversed in full.
 */
@Injectable()
export class ReverseOnClosing {
  private readonly logger = new Logger(ReverseOnClosing.name);

  constructor(
    @Inject(PROGRAMMES) private readonly programmes: Programme[],
    private readonly outbox: Outbox,
  ) {}

  async execute(manager: EntityManager, closed: CentreClosedV1, eventId: string): Promise<void> {
    const marked: { host_body_key: string }[] = await manager.query(
      `UPDATE known_centres SET closed_on = $2, closed_event_id = $3 WHERE centre_id = $1 AND closed_on IS NULL RETURNING host_body_key`,
      [closed.centreId, closed.closedOn, eventId],
    );
    if (marked.length === 0) {
      this.logger.warn(
        { centreId: closed.centreId, eventId },
        'closing of a centre the ledger never funded or already closed: nothing to reverse',
      );
      return;
    }
    const allocations: BookedAllocation[] = await manager.query(
      `SELECT t.id, t.programme_code, t.fiscal_year, t.amount, t.unit, t.debit_account_id, t.credit_account_id,
              to_char(t.value_date, 'YYYY-MM-DD') AS value_date
         FROM ledger_transfers t
        WHERE t.centre_id = $1 AND t.kind = 'ALLOCATION' AND t.fiscal_year >= $2
          AND NOT EXISTS (SELECT 1 FROM ledger_transfers r WHERE r.reverses_transfer_id = t.id)
        ORDER BY t.fiscal_year, t.programme_code`,
      [closed.centreId, yearOf(closed.closedOn)],
    );
    const reversals = allocations.flatMap((allocation): NewTransfer[] => {
      const programme = this.programmes.find((p) => p.code === allocation.programme_code);
      if (!programme) throw new Error(`allocation ${allocation.id} names programme ${allocation.programme_code}, which is not configured`);
      const amount = this.unused(programme, allocation, closed, marked[0].host_body_key);
      if (amount === 0n) return [];
      return [
        {
          id: stableId('reversal', eventId, allocation.id),
          debit: allocation.credit_account_id,
          credit: allocation.debit_account_id,
          unit: allocation.unit,
          amount,
          kind: 'REVERSAL',
          programmeCode: programme.code,
          fiscalYear: allocation.fiscal_year,
          centreId: closed.centreId,
          valueDate: closed.closedOn > allocation.value_date ? closed.closedOn : allocation.value_date,
          legalBasis: `${programme.legalBasis}; Rückbuchung nicht verbrauchter Mittel nach Schließung am ${closed.closedOn}`,
          causedByEventId: eventId,
          reversesTransferId: allocation.id,
        },
      ];
    });
    await bookTransfers(manager, reversals);

    for (const year of [...new Set(reversals.map((r) => r.fiscalYear))]) {
      const ofYear = reversals.filter((r) => r.fiscalYear === year);
      const total = (role: Programme['reportAs']) =>
        ofYear
          .filter((r) => this.programmes.find((p) => p.code === r.programmeCode)?.reportAs === role)
          .reduce((sum, r) => sum + r.amount, 0n);
      await this.outbox.add(
        manager,
        EventTypes.FundingReversedV1,
        {
          centreId: closed.centreId,
          hostBodyKey: closed.hostBodyKey,
          fiscalYear: year,
          closedOn: closed.closedOn,
          causationEventId: eventId,
          reversedGrantCents: total('GRANT').toString(),
          returnedTeacherPostsHundredths: Number(total('TEACHER_POSTS')),
        },
        { id: stableId('event', 'reversal', eventId, year) },
      );
    }
  }

  private unused(programme: Programme, allocation: BookedAllocation, closed: CentreClosedV1, hostBodyKey: string): bigint {
    const booked = BigInt(allocation.amount);
    if (allocation.fiscal_year > yearOf(closed.closedOn)) return booked;
    if (programme.reportAs === 'TEACHER_POSTS') return booked;
    if (programme.reportAs === 'KOMM_AN') return 0n;
    const term = termOn(programme, allocation.value_date);
    const yearly = term && perCentreAmount(programme, term.share, hostBodyKey);
    if (yearly === undefined) throw new Error(`no yearly grant of ${programme.code} on ${allocation.value_date} to prorate the reversal`);
    return unusedGrant(booked, yearly, monthOf(allocation.value_date), closed.closedOn);
  }
}
