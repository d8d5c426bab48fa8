import { CentreOpenedV1, centreOpenedExample } from '@ki/contracts';
import { randomUUID } from 'node:crypto';

/** The 50th opening from the press release of 12 February 2016: Kreis Coesfeld, event in Lüdinghausen. */
export function coesfeldOpened(overrides: Partial<CentreOpenedV1> = {}): CentreOpenedV1 {
  return Object.assign(new CentreOpenedV1(), { ...centreOpenedExample, centreId: randomUUID(), ...overrides });
}
