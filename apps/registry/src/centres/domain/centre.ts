import { RegistryError } from './registry.errors';

/** registered → open → closed. */
export type CentreStatus = 'registered' | 'open' | 'closed';

/** What the rules need to know about a centre. */
export interface CentreState {
  id: string;
  hostBodyKey: string;
  status: CentreStatus;
  openedOn: string | null;
}

/** A host body as the rules see it. */
export interface HostBodyState {
  key: string;
  territoryKey: string;
  name: string;
}

/** Registering needs a known host body without an active (registered or open) centre. */
export function checkRegistration(
  hostBodyKey: string,
  hostBody: HostBodyState | undefined,
  active: CentreState | undefined,
): HostBodyState {
  if (!hostBody) throw new RegistryError('REGISTRY.HOST_BODY_UNKNOWN', `no host body with key ${hostBodyKey}`, { hostBodyKey });
  if (active) {
    throw new RegistryError('REGISTRY.ACTIVE_CENTRE_EXISTS', `${hostBody.name} already has an active centre`, {
      hostBodyKey,
      existingCentreId: active.id,
    });
  }
  return hostBody;
}

/** The opening with the latest date the registry holds (the highest ordinal, since ordinals follow dates). */
export interface LatestOpening {
  ordinal: number;
  openedOn: string;
  hostBodyName: string;
}

/**
 * Only a registered centre opens, on a day that has come (`today`, Europe/Berlin, comes from
 * the caller's clock), and not before the latest opening recorded: ordinals follow opening
 * dates and are never changed once given, because press releases and the ledger use them.
 */
export function checkOpening(centre: CentreState, openedOn: string, today: string, latest: LatestOpening | undefined): void {
  if (centre.status !== 'registered') {
    throw new RegistryError('REGISTRY.INVALID_TRANSITION', `centre ${centre.id} is ${centre.status}; only a registered centre can open`, {
      centreId: centre.id,
      status: centre.status,
    });
  }
  if (openedOn > today) {
    throw new RegistryError(
      'REGISTRY.OPENING_IN_FUTURE',
      `opening date ${openedOn} is in the future (today is ${today}); an opening is recorded on or after the day it happened`,
      { centreId: centre.id, openedOn, today },
    );
  }
  if (latest && openedOn < latest.openedOn) {
    throw new RegistryError(
      'REGISTRY.OPENING_BEFORE_LATEST',
      `opening date ${openedOn} is before ${latest.openedOn}, the date of the latest recorded opening (${latest.ordinal}. ${latest.hostBodyName}); ` +
        'ordinals follow opening dates and are never renumbered, so openings are recorded in date order; ' +
        'to correct history, rebuild from a history file in date order (README, "Correcting history")',
      { centreId: centre.id, openedOn, latestOpenedOn: latest.openedOn, latestOrdinal: latest.ordinal },
    );
  }
}

/** Only an open centre closes, on or after its opening date. */
export function checkClosing(centre: CentreState, closedOn: string): void {
  if (centre.status !== 'open') {
    throw new RegistryError('REGISTRY.INVALID_TRANSITION', `centre ${centre.id} is ${centre.status}; only an open centre can close`, {
      centreId: centre.id,
      status: centre.status,
    });
  }
  if (centre.openedOn && closedOn < centre.openedOn) {
    throw new RegistryError('REGISTRY.INVALID_DATE', `closing date ${closedOn} is before the opening date ${centre.openedOn}`, {
      centreId: centre.id,
      openedOn: centre.openedOn,
    });
  }
}

/** Coverage on a date: centres open that day and the territories they cover. */
export interface Coverage {
  asOf: string;
  centresOpen: number;
  territoriesCovered: number;
  territoriesTotal: number;
  territoriesWithoutCentre: { key: string; name: string }[];
}

/** A centre counts on `asOf` when it opened on or before that day and had not closed by then. */
export function isOpenOn(centre: { openedOn: string | null; closedOn: string | null }, asOf: string): boolean {
  return centre.openedOn !== null && centre.openedOn <= asOf && (centre.closedOn === null || centre.closedOn > asOf);
}

export function coverageOn(
  asOf: string,
  territories: { key: string; name: string }[],
  centres: { territoryKey: string; openedOn: string | null; closedOn: string | null }[],
): Coverage {
  const open = centres.filter((c) => isOpenOn(c, asOf));
  const covered = new Set(open.map((c) => c.territoryKey));
  return {
    asOf,
    centresOpen: open.length,
    territoriesCovered: territories.filter((t) => covered.has(t.key)).length,
    territoriesTotal: territories.length,
    territoriesWithoutCentre: territories.filter((t) => !covered.has(t.key)).map((t) => ({ key: t.key, name: t.name })),
  };
}
