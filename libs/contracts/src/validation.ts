import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';
import { EventContract, findContract } from './catalogue';
import { compileFastValidator, FastValidator } from './fast-validation';

/** Stable codes of contract violations; consumers dead-letter these without retrying. */
export type ContractViolationCode =
  'CONTRACT.MISSING_HEADER' | 'CONTRACT.INVALID_HEADER' | 'CONTRACT.UNKNOWN_TYPE' | 'CONTRACT.MALFORMED_JSON' | 'CONTRACT.INVALID_PAYLOAD';

/** A message that does not satisfy its contract. `problems` name each failing field. */
export class ContractViolation extends Error {
  override readonly name = 'ContractViolation';
  constructor(
    readonly code: ContractViolationCode,
    readonly problems: string[],
  ) {
    super(`${code}: ${problems.join('; ')}`);
  }
}

/** Flattens class-validator errors to "field.path: message" lines. */
export function describeValidationErrors(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((e) => {
    const field = parent ? `${parent}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((m) => `${field}: ${m}`);
    return [...own, ...describeValidationErrors(e.children ?? [], field)];
  });
}

/** Fast validators by payload class (a lookup by identity); undefined where the full validation is always used. */
const fastValidators = new Map<new () => object, FastValidator<object> | undefined>();

/** Validates a plain object against a payload class; returns the typed instance or throws. */
export function validatePayload<P extends object>(contract: EventContract<P>, plain: unknown): P {
  if (typeof plain !== 'object' || plain === null || Array.isArray(plain)) {
    throw new ContractViolation('CONTRACT.INVALID_PAYLOAD', [`payload of ${contract.type} must be a JSON object`]);
  }
  let validator = fastValidators.get(contract.payload);
  if (validator === undefined && !fastValidators.has(contract.payload)) {
    validator = compileFastValidator(contract.payload);
    fastValidators.set(contract.payload, validator);
  }
  const fast = validator?.(plain as Record<string, unknown>);
  if (fast) return fast as P;
  const instance = plainToInstance(contract.payload, plain);
  const errors = validateSync(instance, { whitelist: true, forbidUnknownValues: true });
  if (errors.length > 0) throw new ContractViolation('CONTRACT.INVALID_PAYLOAD', describeValidationErrors(errors));
  return instance;
}

/** Decodes a Kafka value of the given `ce_type`: known type, well-formed JSON, valid payload. */
export function decodePayload(type: string | undefined, value: Buffer | string | null): { contract: EventContract; payload: object } {
  if (!type) throw new ContractViolation('CONTRACT.MISSING_HEADER', ['header ce_type is missing']);
  const contract = findContract(type);
  if (!contract) throw new ContractViolation('CONTRACT.UNKNOWN_TYPE', [`unknown event type or version: ${type}`]);
  let plain: unknown;
  try {
    plain = JSON.parse(value === null ? 'null' : value.toString());
  } catch (err) {
    throw new ContractViolation('CONTRACT.MALFORMED_JSON', [`value is not JSON: ${(err as Error).message}`]);
  }
  return { contract, payload: validatePayload(contract, plain) };
}
