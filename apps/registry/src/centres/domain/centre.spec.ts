import { checkClosing, checkOpening, checkRegistration, coverageOn, isOpenOn } from './centre';
import { RegistryError } from './registry.errors';

const coesfeld = { key: '05558', territoryKey: '05558', name: 'Kreis Coesfeld' };

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof RegistryError) return err.code;
    throw err;
  }
  return 'no error';
}

describe('centre rules', () => {
  it('registers a centre for a known host body without an active centre', () => {
    expect(checkRegistration('05558', coesfeld, undefined)).toBe(coesfeld);
  });

  it('refuses an unknown host body', () => {
    expect(codeOf(() => checkRegistration('05999', undefined, undefined))).toBe('REGISTRY.HOST_BODY_UNKNOWN');
  });

  it('refuses a second active centre and names the existing one', () => {
    const active = { id: 'c-1', hostBodyKey: '05558', status: 'open' as const, openedOn: '2016-02-12' };
    try {
      checkRegistration('05558', coesfeld, active);
      throw new Error('expected a refusal');
    } catch (err) {
      expect((err as RegistryError).code).toBe('REGISTRY.ACTIVE_CENTRE_EXISTS');
      expect((err as RegistryError).details.existingCentreId).toBe('c-1');
    }
  });

  it('refuses an opening dated after today, by the clock it is given', () => {
    const registered = { id: 'c', hostBodyKey: '05166', status: 'registered' as const, openedOn: null };
    expect(codeOf(() => checkOpening(registered, '2031-01-01', '2017-10-02', undefined))).toBe('REGISTRY.OPENING_IN_FUTURE');
    expect(codeOf(() => checkOpening(registered, '2017-10-02', '2017-10-02', undefined))).toBe('no error');
  });

  it('refuses an opening dated before the latest recorded opening, and allows one on the same day', () => {
    const borken = { id: 'c', hostBodyKey: '05554', status: 'registered' as const, openedOn: null };
    const steinfurt = { ordinal: 51, openedOn: '2016-06-29', hostBodyName: 'Kreis Steinfurt' };
    expect(codeOf(() => checkOpening(borken, '2016-06-28', '2026-01-01', steinfurt))).toBe('REGISTRY.OPENING_BEFORE_LATEST');
    expect(codeOf(() => checkOpening(borken, '2016-06-29', '2026-01-01', steinfurt))).toBe('no error');
  });

  it('opens only registered centres and closes only open ones, not before their opening', () => {
    const registered = { id: 'c', hostBodyKey: '05558', status: 'registered' as const, openedOn: null };
    const open = { ...registered, status: 'open' as const, openedOn: '2016-02-12' };
    expect(codeOf(() => checkOpening(registered, '2016-02-12', '2016-02-12', undefined))).toBe('no error');
    expect(codeOf(() => checkOpening(open, '2016-02-12', '2016-02-12', undefined))).toBe('REGISTRY.INVALID_TRANSITION');
    expect(codeOf(() => checkClosing(registered, '2016-03-01'))).toBe('REGISTRY.INVALID_TRANSITION');
    expect(codeOf(() => checkClosing(open, '2016-01-01'))).toBe('REGISTRY.INVALID_DATE');
    expect(codeOf(() => checkClosing(open, '2016-02-12'))).toBe('no error');
  });
});

describe('coverage', () => {
  const territories = [
    { key: '05334', name: 'Städteregion Aachen' },
    { key: '05558', name: 'Coesfeld' },
    { key: '05554', name: 'Borken' },
  ];

  it('counts a centre from its opening day until the day it closes', () => {
    const centre = { openedOn: '2016-02-12', closedOn: '2017-01-01' };
    expect([
      isOpenOn(centre, '2016-02-11'),
      isOpenOn(centre, '2016-02-12'),
      isOpenOn(centre, '2016-12-31'),
      isOpenOn(centre, '2017-01-01'),
    ]).toEqual([false, true, true, false]);
  });

  it('counts centres and territories separately: two centres in one territory cover it once', () => {
    const centres = [
      { territoryKey: '05334', openedOn: '2013-05-01', closedOn: null },
      { territoryKey: '05334', openedOn: '2013-06-01', closedOn: null },
      { territoryKey: '05558', openedOn: '2016-02-12', closedOn: null },
    ];
    expect(coverageOn('2016-02-12', territories, centres)).toEqual({
      asOf: '2016-02-12',
      centresOpen: 3,
      territoriesCovered: 2,
      territoriesTotal: 3,
      territoriesWithoutCentre: [{ key: '05554', name: 'Borken' }],
    });
  });
});
