import { Inject, Injectable } from '@nestjs/common';
import { CentreOpenedV1 } from '@ki/contracts';
import type { EntityManager } from 'typeorm';
import { Programme, PROGRAMMES, programmesInForce } from '../programmes/programmes';
import { KnownCentre } from '../known-centres/known-centre.entity';
import { AllocateFunding, AllocationResult } from './allocate-funding';
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
    await manager.query(
      `INSERT INTO known_centres (centre_id, host_body_key, territory_key, host_body_name, ordinal, opened_on, opened_event_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (centre_id) DO NOTHING`,
      [opened.centreId, opened.hostBodyKey, opened.territoryKey, opened.hostBodyName, opened.ordinal, opened.openedOn, eventId],
    );
    const known = await manager.findOneByOrFail(KnownCentre, { centreId: opened.centreId });
    const centre = {
      centreId: known.centreId,
      hostBodyKey: known.hostBodyKey,
      hostBodyName: known.hostBodyName,
      openedOn: known.openedOn,
      closedOn: known.closedOn,
    };
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
