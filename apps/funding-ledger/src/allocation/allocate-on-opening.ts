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
    // One round trip: insert the centre, or return the row already known — completing one that a
    // closing created before the opening arrived. Its closing date then decides what is paid.
    const [centre]: FundedCentre[] = await manager.query(
      `INSERT INTO known_centres (centre_id, host_body_key, territory_key, host_body_name, ordinal, opened_on, opened_event_id,
                                  opening_date_status)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
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
        opened.centreId,
        opened.hostBodyKey,
        opened.territoryKey,
        opened.hostBodyName,
        opened.ordinal,
        opened.openedOn,
        eventId,
        opened.dateStatus ?? 'documented',
      ],
    );
    return this.allocateFunding.allocate(manager, {
      centre,
      occasion: 'opening',
      fiscalYear: yearOf(centre.openedOn),
      fundedFrom: centre.openedOn,
      lines: openingShares(centre, programmesInForce(this.programmes, centre.openedOn)),
      causedByEventId: eventId,
    });
  }
}
