import fs from 'node:fs';
import path from 'node:path';
import { hostKindOf } from './host-kind';

describe('hostKindOf', () => {
  // The registry's territory list is the reference; the ledger only needs the key rule.
  const territories = fs
    .readFileSync(path.resolve(__dirname, '../../../../registry/src/territories/data/territories-nrw.csv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split(','));

  it.each(territories.map(([key, name, type]) => [key, name, type]))('classifies %s %s (%s)', (key, _name, type) => {
    expect(hostKindOf(key)).toBe(type === 'kreisfreie_stadt' ? 'KREISFREIE_STADT' : 'KREIS');
  });

  it('treats Stadt Aachen (05334002) as a kreisfreie Stadt inside the Städteregion', () => {
    expect(hostKindOf('05334002')).toBe('KREISFREIE_STADT');
    expect(hostKindOf('05334')).toBe('KREIS');
  });
});
