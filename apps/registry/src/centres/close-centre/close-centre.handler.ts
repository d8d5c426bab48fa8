import { Injectable } from '@nestjs/common';
import { CloseCentreV1, EventTypes } from '@ki/contracts';
import { Outbox } from '@ki/messaging';
import { DataSource, EntityManager } from 'typeorm';
import { Centre } from '../database/centre.entity';
import { recordCentreEvent } from '../database/centre-events';
import { checkClosing } from '../domain/centre';
import { RegistryError } from '../domain/registry.errors';

@Injectable()
export class CloseCentreHandler {
  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
  ) {}

  /** Runs in its own transaction, or inside `within` (a savepoint there) when given. */
  async execute(command: CloseCentreV1, within?: EntityManager): Promise<Centre> {
    const { centreId } = command;
    return (within ?? this.dataSource.manager).transaction(async (manager) => {
      const centre = await manager.findOne(Centre, { where: { id: centreId }, lock: { mode: 'pessimistic_write' } });
      if (!centre) throw new RegistryError('REGISTRY.CENTRE_NOT_FOUND', `no centre with id ${centreId}`, { centreId });
      checkClosing(centre, command.closedOn);
      Object.assign(centre, { status: 'closed', closedOn: command.closedOn, closeReason: command.reason });
      await manager.update(Centre, centre.id, { status: 'closed', closedOn: command.closedOn, closeReason: command.reason });
      await recordCentreEvent(manager, this.outbox, centre.id, EventTypes.CentreClosedV1, {
        centreId: centre.id,
        hostBodyKey: centre.hostBodyKey,
        closedOn: command.closedOn,
        reason: command.reason,
      });
      return centre;
    });
  }
}
