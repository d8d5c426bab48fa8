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

/** Openings opened together in one transaction at most. */
const MAX_GROUP = 100;

interface WaitingOpening {
  command: OpenCentreV1;
  historical?: HistoricalRecord;
  resolve(centre: Centre): void;
  reject(error: unknown): void;
}

@Injectable()
export class OpenCentreHandler {
  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Openings of this process waiting for the next group (see `execute`). */
  private waiting: WaitingOpening[] = [];
  private opening = false;

  /**
   * Runs in its own transaction, or inside `within` (a savepoint there) when given. Every opening
   * waits for the statewide counter's row lock, so the openings of this process are gathered and
   * opened together: one transaction, each opening in a savepoint of its own (a refused one is
   * rolled back alone and answered with its error), one wait for the lock and one commit for the
   * group. A burst holds one pooled connection, not one each (other requests would find none),
   * and the lock is held for one commit per group instead of one per opening. Each caller is
   * answered after the commit. Several processes still serialise on the lock.
   */
  execute(command: OpenCentreV1, within?: EntityManager, historical?: HistoricalRecord): Promise<Centre> {
    if (within) return this.open(command, within, historical);
    return new Promise<Centre>((resolve, reject) => {
      this.waiting.push({ command, historical, resolve, reject });
      if (!this.opening) void this.openWaiting();
    });
  }

  /** Opens the waiting openings group by group until none wait. */
  private async openWaiting(): Promise<void> {
    this.opening = true;
    try {
      while (this.waiting.length > 0) await this.openGroup(this.waiting.splice(0, MAX_GROUP));
    } finally {
      this.opening = false;
    }
  }

  private async openGroup(group: WaitingOpening[]): Promise<void> {
    const outcomes: { centre?: Centre; error?: unknown }[] = [];
    try {
      await this.dataSource.transaction(async (manager) => {
        for (const { command, historical } of group) {
          try {
            outcomes.push({ centre: await this.open(command, manager, historical) });
          } catch (error) {
            outcomes.push({ error });
          }
        }
      });
    } catch (error) {
      // Nothing of the group was committed.
      for (const { reject } of group) reject(error);
      return;
    }
    group.forEach(({ resolve, reject }, i) => (outcomes[i].centre ? resolve(outcomes[i].centre) : reject(outcomes[i].error)));
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
