import { Inject, Injectable } from '@nestjs/common';
import { AllocationRejectionReason } from '@ki/contracts';
import { DataSource } from 'typeorm';
import { AllocateFunding } from '../allocation/allocate-funding';
import { CentreFacts, rolloverShares } from '../allocation/domain/decide-allocation';
import { openFiscalYear } from '../ledger/ledger-book';
import { Programme, PROGRAMMES, programmesInForce } from '../programmes/programmes';
import { yearOf } from '../allocation/domain/amounts';
import { LedgerError } from '../ledger.errors';

/** What a rollover did; running it again reports every centre as already decided. */
export interface RolloverSummary {
  fiscalYear: number;
  /** Centres open on 1 January. */
  centres: number;
  allocated: number;
  rejected: { centreId: string; hostBodyName: string; reason: AllocationRejectionReason; detail: string }[];
  alreadyDecided: number;
}

/**
 * Opens fiscal year Y and allocates the annual funding to every centre open on 1 January:
 * per-centre grants in full, pots (KOMM-AN NRW part II) split equally by host-body key order so
 * the shares sum exactly to the pot. Idempotent: every centre's rollover decision has one slot.
 * A year without any programme in force, or more than a year ahead, is refused before anything is written.
 */
@Injectable()
export class FiscalYearRollover {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(PROGRAMMES) private readonly programmes: Programme[],
    private readonly allocateFunding: AllocateFunding,
  ) {}

  /** `today` (YYYY-MM-DD) bounds the year: at most the next one, since bookings cannot be taken back. */
  async execute(fiscalYear: number, today: string): Promise<RolloverSummary> {
    const newYear = `${fiscalYear}-01-01`;
    if (fiscalYear > yearOf(today) + 1)
      throw new LedgerError('LEDGER.YEAR_TOO_FAR_AHEAD', `fiscal year ${fiscalYear} is more than one year ahead of ${today}`);
    const inForce = programmesInForce(this.programmes, newYear);
    if (inForce.length === 0) throw new LedgerError('LEDGER.NO_PROGRAMME_FOR_YEAR', `no funding programme is in force on ${newYear}`);
    return this.dataSource.transaction(async (manager) => {
      // One rollover of a year at a time, so the pot split is computed once over one set of centres.
      await manager.query(`SELECT pg_advisory_xact_lock(hashtext('ledger-rollover'), $1)`, [fiscalYear]);
      // Centres first, then budgets, the order openings take: a closing waits for the rollover (or the
      // rollover sees the closing), so a closed centre is never funded without its reversal.
      const centres: (CentreFacts & { hostBodyName: string })[] = await manager.query(
        `SELECT centre_id AS "centreId", host_body_key AS "hostBodyKey", host_body_name AS "hostBodyName",
                to_char(opened_on, 'YYYY-MM-DD') AS "openedOn", to_char(closed_on, 'YYYY-MM-DD') AS "closedOn"
           FROM known_centres
          WHERE opened_on < $1 AND (closed_on IS NULL OR closed_on >= $1)
          ORDER BY host_body_key, centre_id
            FOR SHARE`,
        [newYear],
      );
      await openFiscalYear(manager, this.programmes, fiscalYear);
      // Pots are split once, at the first rollover of the year; a centre that shows up later gets no pot share.
      const [{ earlier }] = await manager.query(
        `SELECT count(*)::int AS earlier FROM funding_decisions WHERE fiscal_year = $1 AND occasion = 'rollover'`,
        [fiscalYear],
      );
      const shares = rolloverShares(centres, inForce, fiscalYear, earlier === 0);
      const summary: RolloverSummary = { fiscalYear, centres: centres.length, allocated: 0, rejected: [], alreadyDecided: 0 };
      const results = await this.allocateFunding.allocateAll(
        manager,
        centres.map((centre) => ({
          centre,
          occasion: 'rollover' as const,
          fiscalYear,
          fundedFrom: newYear,
          lines: shares.get(centre.centreId) ?? [],
          causedByEventId: `rollover:${fiscalYear}`,
        })),
      );
      for (const [i, result] of results.entries()) {
        const centre = centres[i];
        if (result.duplicate) summary.alreadyDecided++;
        else if (result.outcome === 'allocate') summary.allocated++;
        else
          summary.rejected.push({
            centreId: centre.centreId,
            hostBodyName: centre.hostBodyName,
            reason: result.reason,
            detail: result.detail,
          });
      }
      return summary;
    });
  }
}
