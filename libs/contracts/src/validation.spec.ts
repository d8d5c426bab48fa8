import fc from 'fast-check';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { ContractViolation, decodePayload, validatePayload } from './validation';
import { CentreOpenedV1, centreOpenedExample } from './registry/centre-opened.v1';
import { EventTypes } from './catalogue';

const coesfeld = { ...centreOpenedExample };

function violationOf(fn: () => unknown): ContractViolation {
  try {
    fn();
  } catch (err) {
    if (err instanceof ContractViolation) return err;
    throw err;
  }
  throw new Error('expected a ContractViolation');
}

describe('decodePayload', () => {
  it('returns a typed payload for a valid centre-opened event', () => {
    const { contract, payload } = decodePayload(EventTypes.CentreOpenedV1.type, Buffer.from(JSON.stringify(coesfeld)));
    expect(contract).toBe(EventTypes.CentreOpenedV1);
    expect(payload).toBeInstanceOf(CentreOpenedV1);
    expect(payload).toEqual(coesfeld);
  });

  it('rejects an unknown version with a precise reason', () => {
    const v = violationOf(() => decodePayload('ki.registry.centre-opened.v9', Buffer.from('{}')));
    expect(v.code).toBe('CONTRACT.UNKNOWN_TYPE');
    expect(v.problems).toEqual(['unknown event type or version: ki.registry.centre-opened.v9']);
  });

  it('rejects a message without ce_type', () => {
    expect(violationOf(() => decodePayload(undefined, Buffer.from('{}'))).code).toBe('CONTRACT.MISSING_HEADER');
  });

  it('rejects malformed JSON', () => {
    expect(violationOf(() => decodePayload(EventTypes.CentreOpenedV1.type, Buffer.from('{"centreId":'))).code).toBe(
      'CONTRACT.MALFORMED_JSON',
    );
  });

  it('names every invalid field', () => {
    const bad = { ...coesfeld, hostBodyKey: '99', ordinal: 0, openedOn: '12.02.2016' };
    const v = violationOf(() => decodePayload(EventTypes.CentreOpenedV1.type, JSON.stringify(bad)));
    expect(v.code).toBe('CONTRACT.INVALID_PAYLOAD');
    const fields = v.problems.map((p) => p.split(':')[0]);
    expect(new Set(fields)).toEqual(new Set(['hostBodyKey', 'ordinal', 'openedOn']));
  });

  it('rejects a JSON value that is not an object', () => {
    expect(violationOf(() => decodePayload(EventTypes.CentreOpenedV1.type, 'null')).code).toBe('CONTRACT.INVALID_PAYLOAD');
  });

  it('accepts exactly what class-validator accepts, whichever path decides', () => {
    const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 205 }), fc.constantFrom('', '😀'.repeat(200), 'a\uFE0F', '\uFE0F'));
    fc.assert(
      fc.property(text, text, (hostBodyName, place) => {
        const plain = { ...coesfeld, hostBodyName, place };
        const slow = validateSync(plainToInstance(CentreOpenedV1, plain), { whitelist: true, forbidUnknownValues: true }).length === 0;
        expect(violationOrPayload(() => validatePayload(EventTypes.CentreOpenedV1, plain))).toBe(slow ? 'payload' : 'violation');
      }),
      { numRuns: 2000 },
    );
  });
});

function violationOrPayload(fn: () => unknown): 'payload' | 'violation' {
  try {
    fn();
    return 'payload';
  } catch (err) {
    if (err instanceof ContractViolation) return 'violation';
    throw err;
  }
}
