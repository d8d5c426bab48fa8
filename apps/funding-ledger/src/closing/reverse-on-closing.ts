import { Inject, Injectable, Logger } from '@nestjs/common';
import { CentreClosedV1, EventTypes } from '@ki/contracts';
import { NonRetryableError, Outbox } from '@ki/messaging';
import type { EntityManager } from 'typeorm';
import { keptAfterClosure, monthOf, yearOf } from '../allocation/domain/amounts';
import { perCentreAmount } from '../allocation/domain/decide-allocation';
import { LedgerInvariant } from '../ledger.errors';
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
 * On a centre's closing: what it will not use goes back to the budgets by reversing transfers
 * (`booked − kept`, with the policy in `keptAfterClosure`). A closing that arrives before the
 * centre's opening is remembered, so the late opening books only what the centre keeps.
 */
@Injectable()
export class ReverseOnClosing {
  private readonly logger = new Logger(ReverseOnClosing.name);

  constructor(
    @Inject(PROGRAMMES) private readonly programmes: Programme[],
    private readonly outbox: Outbox,
  ) {}

  async execute(manager: EntityManager, closed: CentreClosedV1, eventId: string): Promise<void> {
    // Records the closure, unless one is already recorded; the row lock orders it against a running rollover.
    const marked: { opened_on: string | null }[] = await manager.query(
      `INSERT INTO known_centres (centre_id, host_body_key, closed_on, closed_event_id) VALUES ($1, $2, $3, $4)
       ON CONFLICT (centre_id) DO UPDATE SET closed_on = EXCLUDED.closed_on, closed_event_id = EXCLUDED.closed_event_id
        WHERE known_centres.closed_on IS NULL
       RETURNING to_char(opened_on, 'YYYY-MM-DD') AS opened_on`,
      [closed.centreId, closed.hostBodyKey, closed.closedOn, eventId],
    );
    if (marked.length === 0) {
      this.logger.warn({ centreId: closed.centreId, eventId }, 'closing of a centre already closed: nothing to do');
      return;
    }
    if (marked[0].opened_on === null) {
      this.logger.log({ centreId: closed.centreId, eventId }, 'closing before the opening reached the ledger: remembered for the opening');
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
      const programme = this.programme(allocation);
      const booked = BigInt(allocation.amount);
      const amount = booked - this.kept(programme, allocation, booked, closed);
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
    const booked = await bookTransfers(manager, reversals);
    if (booked !== reversals.length)
      throw new NonRetryableError(LedgerInvariant.brokenBooking, `closing ${eventId}: booked ${booked} of ${reversals.length} reversals`);

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
          reversedKommAnCents: total('KOMM_AN').toString(),
        },
        { id: stableId('event', 'reversal', eventId, year) },
      );
    }
  }

  private programme(allocation: BookedAllocation): Programme {
    const programme = this.programmes.find((p) => p.code === allocation.programme_code);
    if (!programme)
      throw new NonRetryableError(
        LedgerInvariant.programmeNotConfigured,
        `allocation ${allocation.id} names programme ${allocation.programme_code}, which is not configured`,
      );
    return programme;
  }

  private kept(programme: Programme, allocation: BookedAllocation, booked: bigint, closed: CentreClosedV1): bigint {
    const term = termOn(programme, allocation.value_date);
    const yearly = term && perCentreAmount(programme, term.share, closed.hostBodyKey);
    return keptAfterClosure(programme.reportAs, booked, yearly, monthOf(allocation.value_date), allocation.fiscal_year, closed.closedOn);
  }
}
