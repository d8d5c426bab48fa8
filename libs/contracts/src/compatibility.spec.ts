import { incompatibilities } from './compatibility';

const released = {
  type: 'object',
  properties: { centreId: { type: 'string', format: 'uuid' }, ordinal: { type: 'integer', minimum: 1 } },
  required: ['centreId', 'ordinal'],
};

describe('incompatibilities', () => {
  it('accepts an identical schema', () => {
    expect(incompatibilities(released, structuredClone(released))).toEqual([]);
  });

  it('accepts a new optional field', () => {
    const current = { ...released, properties: { ...released.properties, note: { type: 'string' } } };
    expect(incompatibilities(released, current)).toEqual([]);
  });

  it('rejects a removed field', () => {
    const current = { ...released, properties: { centreId: released.properties.centreId }, required: ['centreId'] };
    expect(incompatibilities(released, current)).toEqual(['field "ordinal" was removed', 'field "ordinal" is no longer required']);
  });

  it('rejects a changed field schema', () => {
    const current = { ...released, properties: { ...released.properties, ordinal: { type: 'string' } } };
    expect(incompatibilities(released, current)).toEqual(['field "ordinal" changed its schema']);
  });

  it('rejects a new required field', () => {
    const current = {
      ...released,
      properties: { ...released.properties, place: { type: 'string' } },
      required: [...released.required, 'place'],
    };
    expect(incompatibilities(released, current)).toEqual(['new field "place" is required (new fields must be optional)']);
  });
});
