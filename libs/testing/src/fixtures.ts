import { CentreOpenedV1 } from '@ki/contracts';
import { randomUUID } from 'node:crypto';

/** The 50th opening from the press release of 12 February 2016: Kreis Coesfeld, event in Lüdinghausen. */
export function coesfeldOpened(overrides: Partial<CentreOpenedV1> = {}): CentreOpenedV1 {
  return Object.assign(new CentreOpenedV1(), {
    centreId: randomUUID(),
    hostBodyKey: '05558',
    territoryKey: '05558',
    hostBodyName: 'Kreis Coesfeld',
    ordinal: 50,
    openedOn: '2016-02-12',
    place: 'Lüdinghausen',
    ...overrides,
  });
}
