import type { HostKind } from '../../programmes/programmes';

/**
 * Kind of an NRW host body from its official key. In the 5-digit keys of NRW the fourth digit is 1
 * for the kreisfreie Städte (05111 Düsseldorf … 05916 Hagen) and 3–7 for the Kreise (05334
 * Städteregion Aachen, 05558 Coesfeld); the 8-digit key 05334002 is Stadt Aachen, which keeps the
 * status of a kreisfreie Stadt inside the Städteregion.
 */
export function hostKindOf(hostBodyKey: string): HostKind {
  if (hostBodyKey.length === 8) return 'KREISFREIE_STADT';
  return hostBodyKey[3] === '1' ? 'KREISFREIE_STADT' : 'KREIS';
}
