import fc from 'fast-check';
import { plainToInstance } from 'class-transformer';
import { getMetadataStorage, validateSync } from 'class-validator';
import { EventTypes } from './catalogue';
import { compileFastValidator } from './fast-validation';
import { CentreOpenedV1, centreOpenedExample } from './registry/centre-opened.v1';

const fast = compileFastValidator(CentreOpenedV1);

const accepts = (payloadClass: new () => object, plain: object) =>
  validateSync(plainToInstance(payloadClass, plain), { whitelist: true, forbidUnknownValues: true }).length === 0;
const slowAccepts = (plain: object) => accepts(CentreOpenedV1, plain);

/** Strings near the edges of the checks: any code unit, surrogate pairs, presentation selectors, lengths 0 to 201. */
const edgyString = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'grapheme', minLength: 195, maxLength: 205 }),
  fc.constantFrom('', 'a', 'x'.repeat(200), 'x'.repeat(201), '\uFE0F', 'a\uFE0F', '😀', '\uD83D', 'ü'.repeat(200)),
);

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
      edgyString,
      fc.integer({ min: -3, max: 3 }),
      fc.integer(),
      fc.double({ min: -3, max: 300 }),
      fc.constantFrom(0.5, 1.5, Number.NaN, Infinity, -0),
      fc.constant(undefined),
      fc.constant(null),
      fc.boolean(),
      fc.double(),
      fc.constantFrom('05558', '2016-02-30', '2016-02-12', '050', '0555800', '05334002'),
    );
    // Mostly valid payloads with a few fields replaced, so that each check decides some runs alone.
    const mostlyValid = (name: keyof typeof valid) =>
      fc.oneof({ arbitrary: fc.constant(valid[name]), weight: 3 }, { arbitrary: field, weight: 1 });
    fc.assert(
      fc.property(
        fc.record({
          centreId: fc.oneof(fc.uuid(), mostlyValid('centreId')),
          hostBodyKey: mostlyValid('hostBodyKey'),
          territoryKey: mostlyValid('territoryKey'),
          hostBodyName: mostlyValid('hostBodyName'),
          ordinal: mostlyValid('ordinal'),
          openedOn: mostlyValid('openedOn'),
          place: mostlyValid('place'),
          seat: mostlyValid('seat'),
          dateStatus: fc.oneof(mostlyValid('dateStatus'), fc.constantFrom('assumed', 'Assumed', undefined)),
          historical: fc.oneof(field, fc.boolean()),
          previousOrdinal: field,
          previousClosedOn: field,
        }),
        (plain) => {
          if (fast?.(plain as Record<string, unknown>)) expect(slowAccepts(plain)).toBe(true);
        },
      ),
      { numRuns: 3000 },
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

  it('never accepts what class-validator rejects, for any contract it covers', () => {
    const field = fc.oneof(edgyString, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant(undefined), fc.uuid());
    const payloads: { type: string; payload: new () => object }[] = Object.values(EventTypes);
    const covered = payloads.filter((contract) => compileFastValidator(contract.payload));
    expect(covered.length).toBeGreaterThan(3);
    for (const { type, payload } of covered) {
      const validator = compileFastValidator(payload);
      const properties = [
        ...new Set(
          getMetadataStorage()
            .getTargetValidationMetadatas(payload, '', true, false)
            .map((m) => m.propertyName),
        ),
      ];
      fc.assert(
        fc.property(fc.record(Object.fromEntries(properties.map((p) => [p, field]))), (plain) => {
          if (validator?.(plain)) expect({ type, accepted: accepts(payload, plain) }).toEqual({ type, accepted: true });
        }),
        { numRuns: 500 },
      );
    }
  });
});
