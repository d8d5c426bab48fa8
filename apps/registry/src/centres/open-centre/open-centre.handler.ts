import { Injectable } from '@nestjs/common';
import { EventTypes, OpenCentreV1 } from '@ki/contracts';
import { Outbox } from '@ki/messaging';
import { DataSource, EntityManager } from 'typeorm';
import { Centre, HostBody } from '../database/centre.entity';
import { recordCentreEvent } from '../database/centre-events';
import { checkOpening } from '../domain/centre';
import { RegistryError } from '../domain/registry.errors';

@Injectable()
export class OpenCentreHandler {
  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
  ) {}

  /** Runs in its own transaction, or inside `within` (a savepoint there) when given. */
  async execute(command: OpenCentreV1, within?: EntityManager): Promise<Centre> {
    const { centreId } = command;
    return (within ?? this.dataSource.manager).transaction(async (manager) => {
      const centre = await manager.findOne(Centre, { where: { id: centreId }, lock: { mode: 'pessimistic_write' } });
      if (!centre) throw new RegistryError('REGISTRY.CENTRE_NOT_FOUND', `no centre with id ${centreId}`, { centreId });
      checkOpening(centre);
      const hostBody = await manager.findOneByOrFail(HostBody, { key: centre.hostBodyKey });
      const [{ last }] = await manager.query(
        `WITH next AS (UPDATE opening_ordinals SET last = last + 1 RETURNING last) SELECT last FROM next`,
      );
      Object.assign(centre, { status: 'open', ordinal: last, openedOn: command.openedOn, openingPlace: command.place });
      await manager.update(Centre, centre.id, { status: 'open', ordinal: last, openedOn: command.openedOn, openingPlace: command.place });
      await recordCentreEvent(manager, this.outbox, centre.id, EventTypes.CentreOpenedV1, {
        centreId: centre.id,
        hostBodyKey: hostBody.key,
        territoryKey: hostBody.territoryKey,
        hostBodyName: hostBody.name,
        ordinal: last,
        openedOn: command.openedOn,
        place: command.place,
      });
      return centre;
    });
  }
}
