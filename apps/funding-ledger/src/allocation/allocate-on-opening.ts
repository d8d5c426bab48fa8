import { Inject, Injectable } from '@nestjs/common';
import { CentreOpenedV1 } from '@ki/contracts';
import type { EntityManager } from 'typeorm';
import { Programme, PROGRAMMES, programmesInForce } from '../programmes/programmes';
import { AllocateFunding, AllocationResult, FundedCentre } from './allocate-funding';
import { yearOf } from './domain/amounts';
import { openingShares } from './domain/decide-allocation';

/**
 * On a centre's opening: remember the centre and allocate its opening year's funding
 * (MAIS grant pro rata, MSW teacher posts), exactly once per centre and year.
 */
@Injectable()
export class AllocateOnOpening {
  constructor(
    @Inject(PROGRAMMES) private readonly programmes: Programme[],
    private readonly allocateFunding: AllocateFunding,
  ) {}

  async execute(manager: EntityManager, opened: CentreOpenedV1, eventId: string): Promise<AllocationResult> {
    const [result] = await this.executeAll(manager, [{ opened, eventId }]);
    return result;
  }

  /** {@link execute} for openings in order: the centres are remembered in one statement and decided together. */
  async executeAll(manager: EntityManager, openings: OpeningToFund[]): Promise<AllocationResult[]> {
    const centres = await rememberCentres(manager, openings);
    return this.allocateFunding.allocateAll(
      manager,
      openings.map(({ opened, eventId, inTrace }) => {
        const centre = centres.get(opened.centreId) as FundedCentre;
        return {
          centre,
          occasion: 'opening',
          fiscalYear: yearOf(centre.openedOn),
          fundedFrom: centre.openedOn,
          lines: openingShares(centre, programmesInForce(this.programmes, centre.openedOn)),
          causedByEventId: eventId,
          inTrace,
        };
      }),
    );
  }
}

/** An opening to fund: the event, its id and (from a batch handler) its trace. */
export interface OpeningToFund {
  opened: CentreOpenedV1;
  eventId: string;
  inTrace?: <R>(work: () => R) => R;
}

/**
 * One round trip for all: inserts each centre, or returns the row already known — completing one
 * that a closing created before the opening arrived. Its closing date then decides what is paid.
 * A centre opened twice in the batch (a re-send with a new event id) is inserted by its first opening.
 */
async function rememberCentres(manager: EntityManager, openings: OpeningToFund[]): Promise<Map<string, FundedCentre>> {
  const firsts = new Map<string, OpeningToFund>();
  for (const opening of openings) if (!firsts.has(opening.opened.centreId)) firsts.set(opening.opened.centreId, opening);
  const unique = [...firsts.values()];
  const column = <T>(value: (o: OpeningToFund) => T) => unique.map(value);
  const rows: FundedCentre[] = await manager.query(
    `INSERT INTO known_centres (centre_id, host_body_key, territory_key, host_body_name, ordinal, opened_on, opened_event_id,
                                opening_date_status)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::int[], $6::date[], $7::text[], $8::text[])
     ON CONFLICT (centre_id) DO UPDATE SET
       opening_date_status = CASE WHEN known_centres.opened_on IS NULL THEN EXCLUDED.opening_date_status
                                  ELSE known_centres.opening_date_status END,
       territory_key = COALESCE(known_centres.territory_key, EXCLUDED.territory_key),
       host_body_name = COALESCE(known_centres.host_body_name, EXCLUDED.host_body_name),
       ordinal = COALESCE(known_centres.ordinal, EXCLUDED.ordinal),
       opened_on = COALESCE(known_centres.opened_on, EXCLUDED.opened_on),
       opened_event_id = COALESCE(known_centres.opened_event_id, EXCLUDED.opened_event_id)
     RETURNING centre_id AS "centreId", host_body_key AS "hostBodyKey", host_body_name AS "hostBodyName",
               to_char(opened_on, 'YYYY-MM-DD') AS "openedOn", to_char(closed_on, 'YYYY-MM-DD') AS "closedOn"`,
    [
      column((o) => o.opened.centreId),
      column((o) => o.opened.hostBodyKey),
      column((o) => o.opened.territoryKey),
      column((o) => o.opened.hostBodyName),
      column((o) => o.opened.ordinal),
      column((o) => o.opened.openedOn),
      column((o) => o.eventId),
      column((o) => o.opened.dateStatus ?? 'documented'),
    ],
  );
  return new Map(rows.map((row) => [row.centreId, row]));
}
