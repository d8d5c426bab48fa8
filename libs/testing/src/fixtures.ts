import { CentreOpenedV1, centreOpenedExample, FundingAllocatedV1 } from '@ki/contracts';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from './local';

/** The 50th opening from the press release of 12 February 2016: Kreis Coesfeld, event in Lüdinghausen. */
export function coesfeldOpened(overrides: Partial<CentreOpenedV1> = {}): CentreOpenedV1 {
  return Object.assign(new CentreOpenedV1(), { ...centreOpenedExample, centreId: randomUUID(), ...overrides });
}

/** The funding the ledger allocates for Coesfeld's opening in 2016: 155,833.33 EUR, the grant budget spent. */
export function coesfeldFundingAllocated(opening: CentreOpenedV1, openingEventId: string): FundingAllocatedV1 {
  return Object.assign(new FundingAllocatedV1(), {
    allocationId: randomUUID(),
    centreId: opening.centreId,
    hostBodyKey: opening.hostBodyKey,
    hostBodyName: opening.hostBodyName,
    fiscalYear: 2016,
    occasion: 'opening',
    causationEventId: openingEventId,
    grantCents: '15583333',
    grantBudgetRemainingCents: '0',
    teacherPostsHundredths: 200,
    teacherPostsRemainingHundredths: 0,
    teacherPostsValueCents: '10000000',
    kommAnCents: '0',
    totalCents: '15583333',
  });
}

/**
 * The 49 openings before Coesfeld, as the registry's history import publishes them (read from
 * the registry's history and territory files), each with a fresh centre id.
 */
export function historicalOpenings(): CentreOpenedV1[] {
  const rows = (file: string) =>
    fs
      .readFileSync(path.join(repoRoot, 'apps/registry/src', file), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.split(','));
  // The registry's display names: "Stadt Bonn", "Kreis Coesfeld", "Rhein-Sieg-Kreis".
  const display = (name: string, type: string) =>
    type === 'kreisfreie_stadt' ? `Stadt ${name}` : type === 'kreis' && !/kreis/i.test(name) ? `Kreis ${name}` : name;
  const names = new Map(rows('territories/data/territories-nrw.csv').map(([key, name, type]) => [key, display(name, type)]));
  return rows('history/data/openings-2013-2016.csv').map(([ordinal, key, openedOn, , place]) =>
    Object.assign(new CentreOpenedV1(), {
      centreId: randomUUID(),
      hostBodyKey: key,
      territoryKey: key.slice(0, 5),
      hostBodyName: names.get(key) ?? `Stadt Aachen`,
      ordinal: Number(ordinal),
      openedOn,
      place,
    }),
  );
}
