import { Inject, Injectable } from '@nestjs/common';
import { CentreOpenedV1, EventTypes, OpenCentreV1, OpeningDateStatus } from '@ki/contracts';
import { Outbox } from '@ki/messaging';
import { currentTrace, runWithTrace, TraceContext, traceFrom } from '@ki/platform';
import { DataSource, EntityManager, In } from 'typeorm';
import { Clock, CLOCK } from '../clock';
import { Centre, HostBody } from '../database/centre.entity';
import { CentreEvent, recordCentreEvents } from '../database/centre-events';
import { checkOpening, LatestOpening } from '../domain/centre';
import { RegistryError } from '../domain/registry.errors';

/** How the history import records an opening: after the fact, with its date documented or assumed. */
export interface HistoricalRecord {
  dateStatus: OpeningDateStatus;
}

/** Openings opened together in one transaction at most. */
const MAX_GROUP = 100;

/** An opening to be decided, in the trace of the request or command that asked for it. */
interface Opening {
  command: OpenCentreV1;
  historical?: HistoricalRecord;
  trace: TraceContext;
}

interface WaitingOpening extends Opening {
  resolve(centre: Centre): void;
  reject(error: unknown): void;
}

type Outcome = { centre: Centre } | { error: unknown };

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
   * opened together: one transaction, one wait for the lock, one statement for each kind of read
   * and write, and one commit for the group. A refused opening (unknown centre, wrong state or
   * date) is answered with its error and writes nothing; if a statement fails, the group is
   * opened again one by one, so only the failing opening fails. A burst holds one pooled
   * connection, not one each (other requests would find none), and the lock is held for one
   * commit per group instead of one per opening. Each caller is answered after the commit.
   * Several processes still serialise on the lock.
   */
  execute(command: OpenCentreV1, within?: EntityManager, historical?: HistoricalRecord): Promise<Centre> {
    // Each event carries the trace of its own request, though the group runs in the first one's.
    const opening: Opening = { command, historical, trace: currentTrace() ?? traceFrom({}) };
    if (within) return within.transaction(async (manager) => settle((await this.openAll(manager, [opening]))[0]));
    return new Promise<Centre>((resolve, reject) => {
      this.waiting.push({ ...opening, resolve, reject });
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
    let outcomes: Outcome[];
    try {
      outcomes = await this.dataSource.transaction((manager) => this.openAll(manager, group));
    } catch (error) {
      // Nothing of the group was committed.
      if (group.length === 1) return group[0].reject(error);
      for (const one of group) await this.openGroup([one]);
      return;
    }
    group.forEach(({ resolve, reject }, i) => {
      const outcome = outcomes[i];
      if ('centre' in outcome) resolve(outcome.centre);
      else reject(outcome.error);
    });
  }

  /** Decides the openings in their order and writes the accepted ones; answers each one's centre or refusal. */
  private async openAll(manager: EntityManager, openings: Opening[]): Promise<Outcome[]> {
    const ids = [...new Set(openings.map((o) => o.command.centreId))];
    // Locked in id order, so two groups cannot wait for each other.
    const centres = new Map(
      (await manager.find(Centre, { where: { id: In(ids) }, order: { id: 'ASC' }, lock: { mode: 'pessimistic_write' } })).map((c) => [
        c.id,
        c,
      ]),
    );
    // Read before the counter's lock, which every opening waits for: host bodies do not change,
    // and a locked centre is its host body's only one that is not closed.
    const hostBodyKeys = [...new Set([...centres.values()].map((c) => c.hostBodyKey))];
    const hostBodies = new Map((await manager.findBy(HostBody, { key: In(hostBodyKeys) })).map((h) => [h.key, h]));
    const previous = await previousCentres(manager, hostBodyKeys);
    // The counter's row lock serialises openings, so the latest opening cannot change under these checks.
    let { last, latest } = await lockCounter(manager);
    const today = this.clock.today();
    const events: CentreEvent[] = [];
    const outcomes = openings.map(({ command, historical, trace }): Outcome => {
      const centre = centres.get(command.centreId);
      if (!centre)
        return {
          error: new RegistryError('REGISTRY.CENTRE_NOT_FOUND', `no centre with id ${command.centreId}`, { centreId: command.centreId }),
        };
      try {
        checkOpening(centre, command.openedOn, today, latest);
      } catch (error) {
        return { error };
      }
      const hostBody = hostBodies.get(centre.hostBodyKey) as HostBody;
      const before = previous.get(hostBody.key);
      Object.assign(centre, {
        status: 'open' as const,
        ordinal: ++last,
        openedOn: command.openedOn,
        openingPlace: command.place,
        openingDateStatus: historical?.dateStatus ?? ('documented' as const),
        recordedLater: historical !== undefined,
      });
      latest = { ordinal: last, openedOn: command.openedOn, hostBodyName: hostBody.name };
      const payload: CentreOpenedV1 = {
        centreId: centre.id,
        hostBodyKey: hostBody.key,
        territoryKey: hostBody.territoryKey,
        hostBodyName: hostBody.name,
        ordinal: last,
        openedOn: command.openedOn,
        place: command.place,
        seat: centre.address,
        dateStatus: centre.openingDateStatus as OpeningDateStatus,
        ...(historical ? { historical: true } : {}),
        ...(before ? { previousOrdinal: before.ordinal, previousClosedOn: before.closedOn } : {}),
      };
      events.push({
        centreId: centre.id,
        payload,
        event: runWithTrace(trace, () => this.outbox.encode(EventTypes.CentreOpenedV1, payload)),
      });
      return { centre };
    });
    if (events.length > 0) {
      const opened = outcomes.flatMap((o) => ('centre' in o ? [o.centre] : []));
      await manager.query(`UPDATE opening_ordinals SET last = $1`, [last]);
      await manager.query(
        `UPDATE centres c SET status = 'open', ordinal = u.ordinal, opened_on = u.opened_on, opening_place = u.place,
           opening_date_status = u.date_status, recorded_later = u.recorded_later
         FROM unnest($1::uuid[], $2::int[], $3::date[], $4::text[], $5::text[], $6::boolean[])
           AS u(id, ordinal, opened_on, place, date_status, recorded_later)
         WHERE c.id = u.id`,
        [
          opened.map((c) => c.id),
          opened.map((c) => c.ordinal),
          opened.map((c) => c.openedOn),
          opened.map((c) => c.openingPlace),
          opened.map((c) => c.openingDateStatus),
          opened.map((c) => c.recordedLater),
        ],
      );
      await recordCentreEvents(manager, this.outbox, events);
    }
    return outcomes;
  }
}

function settle(outcome: Outcome): Centre {
  if ('centre' in outcome) return outcome.centre;
  throw outcome.error;
}

/**
 * Locks the statewide counter and answers its last ordinal and the latest opening: ordinals follow
 * opening dates, so that is the centre with the last ordinal (found by the ordinal's index).
 */
async function lockCounter(manager: EntityManager): Promise<{ last: number; latest: LatestOpening | undefined }> {
  const [row]: { last: number; latest: LatestOpening | null }[] = await manager.query(
    `SELECT o.last,
       (SELECT json_build_object('ordinal', c.ordinal, 'openedOn', to_char(c.opened_on, 'YYYY-MM-DD'), 'hostBodyName', h.name)
        FROM centres c JOIN host_bodies h ON h.key = c.host_body_key WHERE c.ordinal = o.last) AS latest
     FROM opening_ordinals o FOR UPDATE OF o`,
  );
  return { last: row.last, latest: row.latest ?? undefined };
}

/** Each host body's last closed centre: a centre opening after it is a new KI with a new ordinal (a reopening). */
async function previousCentres(
  manager: EntityManager,
  hostBodyKeys: string[],
): Promise<Map<string, { ordinal: number; closedOn: string }>> {
  const rows: { hostBodyKey: string; ordinal: number; closedOn: string }[] = await manager.query(
    `SELECT DISTINCT ON (host_body_key) host_body_key AS "hostBodyKey", ordinal, to_char(closed_on, 'YYYY-MM-DD') AS "closedOn"
     FROM centres WHERE host_body_key = ANY($1) AND status = 'closed' ORDER BY host_body_key, closed_on DESC, ordinal DESC`,
    [hostBodyKeys],
  );
  return new Map(rows.map(({ hostBodyKey, ordinal, closedOn }) => [hostBodyKey, { ordinal, closedOn }]));
}
