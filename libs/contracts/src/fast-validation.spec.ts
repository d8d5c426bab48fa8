import fc from 'fast-check';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { compileFastValidator } from './fast-validation';
import { CentreOpenedV1, centreOpenedExample } from './registry/centre-opened.v1';

const fast = compileFastValidator(CentreOpenedV1);

const slowAccepts = (plain: object) =>
  validateSync(plainToInstance(CentreOpenedV1, plain), { whitelist: true, forbidUnknownValues: true }).length === 0;

const valid = { ...centreOpenedExample };

describe('the fast payload validator', () => {
  it('covers the centre-opened contract', () => {
    expect(fast).toBeDefined();
  });

  it('accepts a valid payload as a typed instance without unknown fields', () => {
    const result = fast?.({ ...valid, extra: 'dropped' });
    expect(result).toBeInstanceOf(CentreOpenedV1);
    expect(result).toEqual(valid);
  });

  it('never accepts what class-validator rejects, for arbitrary field values', () => {
    const field = fc.oneof(
      fc.string(),
      fc.integer(),
      fc.constant(undefined),
      fc.constant(null),
      fc.boolean(),
      fc.double(),
      fc.constantFrom('05558', '2016-02-30', '2016-02-12', '050', '0555800'),
    );
    fc.assert(
      fc.property(
        fc.record({
          centreId: fc.oneof(fc.uuid(), field),
          hostBodyKey: field,
          territoryKey: field,
          hostBodyName: field,
          ordinal: field,
          openedOn: field,
          place: field,
        }),
        (plain) => {
          if (fast?.(plain as Record<string, unknown>)) expect(slowAccepts(plain)).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('accepts what class-validator accepts for well-formed payloads', () => {
    fc.assert(
      fc.property(
        fc.uuid(),
        fc.integer({ min: 1, max: 10_000 }),
        fc.string({ minLength: 1, maxLength: 200 }),
        (centreId, ordinal, place) => {
          const plain = { ...valid, centreId, ordinal, place };
          expect(fast?.(plain) !== undefined).toBe(slowAccepts(plain));
        },
      ),
    );
  });
});
