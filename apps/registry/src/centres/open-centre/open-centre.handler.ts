import { Inject, Injectable } from '@nestjs/common';
import { EventTypes, OpenCentreV1, OpeningDateStatus } from '@ki/contracts';
import { Outbox } from '@ki/messaging';
import { DataSource, EntityManager } from 'typeorm';
import { Clock, CLOCK } from '../clock';
import { Centre, HostBody } from '../database/centre.entity';
import { recordCentreEvent } from '../database/centre-events';
import { checkOpening, LatestOpening } from '../domain/centre';
import { RegistryError } from '../domain/registry.errors';

/** How the history import records an opening: after the fact, with its date documented or assumed. */
export interface HistoricalRecord {
  dateStatus: OpeningDateStatus;
}

@Injectable()
export class OpenCentreHandler {
  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Openings of this process, one after the other (see `execute`). */
  private queue: Promise<unknown> = Promise.resolve();

  /**
   * Runs in its own transaction, or inside `within` (a savepoint there) when given. Every opening
   * waits for the statewide counter's row lock; the openings of this process wait for their turn
   * here instead, so that a burst of them does not hold every pooled connection while it waits
   * (other requests would find none and fail). Several processes still serialise on the lock.
   */
  execute(command: OpenCentreV1, within?: EntityManager, historical?: HistoricalRecord): Promise<Centre> {
    if (within) return this.open(command, within, historical);
    const turn = this.queue.then(() => this.open(command, undefined, historical));
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  private async open(command: OpenCentreV1, within?: EntityManager, historical?: HistoricalRecord): Promise<Centre> {
    const { centreId } = command;
    return (within ?? this.dataSource.manager).transaction(async (manager) => {
      const centre = await manager.findOne(Centre, { where: { id: centreId }, lock: { mode: 'pessimistic_write' } });
      if (!centre) throw new RegistryError('REGISTRY.CENTRE_NOT_FOUND', `no centre with id ${centreId}`, { centreId });
      // Read before the counter's lock, which every opening waits for: the host body does not change,
      // and the locked centre is its only one that is not closed.
      const hostBody = await manager.findOneByOrFail(HostBody, { key: centre.hostBodyKey });
      const previous = await previousCentre(manager, centre);
      // The counter's row lock serialises openings, so the latest opening cannot change under this
      // check; taken by the increment itself, in one round trip (a refusal rolls it back).
      const { ordinal, latest } = await nextOrdinal(manager);
      checkOpening(centre, command.openedOn, this.clock.today(), latest);
      const changes = {
        status: 'open' as const,
        ordinal,
        openedOn: command.openedOn,
        openingPlace: command.place,
        openingDateStatus: historical?.dateStatus ?? ('documented' as const),
        recordedLater: historical !== undefined,
      };
      Object.assign(centre, changes);
      await manager.update(Centre, centre.id, changes);
      await recordCentreEvent(manager, this.outbox, centre.id, EventTypes.CentreOpenedV1, {
        centreId: centre.id,
        hostBodyKey: hostBody.key,
        territoryKey: hostBody.territoryKey,
        hostBodyName: hostBody.name,
        ordinal,
        openedOn: command.openedOn,
        place: command.place,
        seat: centre.address,
        dateStatus: changes.openingDateStatus,
        ...(historical ? { historical: true } : {}),
        ...(previous ? { previousOrdinal: previous.ordinal, previousClosedOn: previous.closedOn } : {}),
      });
      return centre;
    });
  }
}

/**
 * Increments the statewide counter and answers the new ordinal and the opening with the one
 * before: ordinals follow opening dates, so that is the latest opening (found by the ordinal's index).
 */
async function nextOrdinal(manager: EntityManager): Promise<{ ordinal: number; latest: LatestOpening | undefined }> {
  // TypeORM answers an UPDATE with [rows, affected].
  const [[row]]: [{ ordinal: number; latest: LatestOpening | null }[], number] = await manager.query(
    `UPDATE opening_ordinals o SET last = o.last + 1
     RETURNING o.last AS ordinal,
       (SELECT json_build_object('ordinal', c.ordinal, 'openedOn', to_char(c.opened_on, 'YYYY-MM-DD'), 'hostBodyName', h.name)
        FROM centres c JOIN host_bodies h ON h.key = c.host_body_key WHERE c.ordinal = o.last - 1) AS latest`,
  );
  return { ordinal: row.ordinal, latest: row.latest ?? undefined };
}

/** The host body's last closed centre: a centre opening after it is a new KI with a new ordinal (a reopening). */
async function previousCentre(manager: EntityManager, centre: Centre): Promise<{ ordinal: number; closedOn: string } | undefined> {
  const rows: { ordinal: number; closedOn: string }[] = await manager.query(
    `SELECT ordinal, to_char(closed_on, 'YYYY-MM-DD') AS "closedOn" FROM centres
     WHERE host_body_key = $1 AND status = 'closed' AND id <> $2 ORDER BY closed_on DESC, ordinal DESC LIMIT 1`,
    [centre.hostBodyKey, centre.id],
  );
  return rows[0];
}
