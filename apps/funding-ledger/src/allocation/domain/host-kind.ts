import type { HostKind } from '../../programmes/programmes';

/**
 * The 22 kreisfreie Städte of NRW by official key, and Stadt Aachen (05334002), which keeps the
 * status of a kreisfreie Stadt inside the Städteregion Aachen. The key digits alone do not tell
 * (05334, the Städteregion, is numbered like a city), so the list is explicit; a test checks it
 * against the registry's territory file.
 */
const KREISFREIE_STAEDTE = new Set([
  '05111',
  '05112',
  '05113',
  '05114',
  '05116',
  '05117',
  '05119',
  '05120',
  '05122',
  '05124', // Regierungsbezirk Düsseldorf
  '05314',
  '05315',
  '05316',
  '05334002', // Köln
  '05512',
  '05513',
  '05515', // Münster
  '05711', // Detmold
  '05911',
  '05913',
  '05914',
  '05915',
  '05916', // Arnsberg
]);

/** Kind of an NRW host body, which decides its KOMM-AN NRW part I share. */
export function hostKindOf(hostBodyKey: string): HostKind {
  return KREISFREIE_STAEDTE.has(hostBodyKey) ? 'KREISFREIE_STADT' : 'KREIS';
}
