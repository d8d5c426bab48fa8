import { Injectable } from '@nestjs/common';
import { EventTypes, RegisterCentreV1 } from '@ki/contracts';
import { Outbox } from '@ki/messaging';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager, Not } from 'typeorm';
import { Centre, HostBody } from '../database/centre.entity';
import { recordCentreEvent } from '../database/centre-events';
import { checkRegistration } from '../domain/centre';
import { RegistryError } from '../domain/registry.errors';

@Injectable()
export class RegisterCentreHandler {
  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
  ) {}

  /** Runs in its own transaction, or inside `within` (a savepoint there) when given. */
  async execute(command: RegisterCentreV1, within?: EntityManager): Promise<Centre> {
    return (within ?? this.dataSource.manager).transaction(async (manager) => {
      const hostBody = await manager.findOneBy(HostBody, { key: command.hostBodyKey });
      const active = await manager.findOneBy(Centre, { hostBodyKey: command.hostBodyKey, status: Not('closed') });
      const body = checkRegistration(command.hostBodyKey, hostBody ?? undefined, active ?? undefined);
      const centre = manager.create(Centre, {
        id: randomUUID(),
        hostBodyKey: body.key,
        name: command.name,
        hostAuthority: command.hostAuthority,
        address: command.address,
        contactEmail: command.contactEmail,
        status: 'registered',
        ordinal: null,
        openedOn: null,
        openingPlace: null,
        openingDateStatus: null,
        recordedLater: false,
        closedOn: null,
        closeReason: null,
      });
      try {
        await manager.insert(Centre, centre);
      } catch (err) {
        // A concurrent registration won the race; the unique index is the last word.
        if ((err as { code?: string }).code === '23505') {
          const winner = await this.dataSource.getRepository(Centre).findOneBy({ hostBodyKey: body.key, status: Not('closed') });
          throw new RegistryError('REGISTRY.ACTIVE_CENTRE_EXISTS', `${body.name} already has an active centre`, {
            hostBodyKey: body.key,
            existingCentreId: winner?.id,
          });
        }
        throw err;
      }
      await recordCentreEvent(manager, this.outbox, centre.id, EventTypes.CentreRegisteredV1, {
        centreId: centre.id,
        hostBodyKey: body.key,
        territoryKey: body.territoryKey,
        name: centre.name,
        hostAuthority: centre.hostAuthority,
      });
      return centre;
    });
  }
}
