import {
  getMetadataStorage,
  IS_INT,
  IS_LENGTH,
  IS_OPTIONAL,
  IS_STRING,
  MATCHES,
  MAX,
  MIN,
  ValidationArguments,
  ValidationTypes,
  ValidatorConstraintInterface,
} from 'class-validator';

/** Checks a flat plain object against a payload class; undefined means "not valid, or not sure". */
export type FastValidator<P> = (plain: Record<string, unknown>) => P | undefined;

/** True only when the value certainly satisfies the constraint; false for "invalid, or not sure". */
type Test = (value: unknown, args: ValidationArguments) => boolean;

interface Check {
  property: string;
  constraints: unknown[];
  tests: Test[];
}

// class-validator's Length counts a surrogate pair or a character with a presentation selector as
// one; without these code units its length is the string's length.
const LENGTH_ADJUSTING = /[\uD800-\uDBFF]|\uFE0E|\uFE0F/;

/**
 * The constraints consumers meet on every event, checked directly with class-validator's meaning
 * (see its isString, isInt, min, max, matches and length). Undefined for any other constraint or
 * an unusual argument: those run class-validator's own function.
 */
function directTest(name: string, [first, second]: unknown[]): Test | undefined {
  switch (name) {
    case IS_STRING:
      return (value) => typeof value === 'string';
    case IS_INT:
      return (value) => typeof value === 'number' && Number.isInteger(value);
    case MIN:
      return typeof first === 'number' ? (value) => typeof value === 'number' && value >= first : undefined;
    case MAX:
      return typeof first === 'number' ? (value) => typeof value === 'number' && value <= first : undefined;
    case MATCHES:
      // A global or sticky expression keeps state between calls; class-validator's own function handles those.
      return first instanceof RegExp && !first.global && !first.sticky
        ? (value) => typeof value === 'string' && first.test(value)
        : undefined;
    case IS_LENGTH: {
      if (typeof first !== 'number' || (second !== undefined && typeof second !== 'number')) return undefined;
      const min = first || 0;
      const max = second ?? Infinity;
      return (value) => typeof value === 'string' && value.length >= min && value.length <= max && !LENGTH_ADJUSTING.test(value);
    }
    default:
      return undefined;
  }
}

/**
 * A validator for the hot path of consumers. It only answers "valid" for the cases it fully
 * understands (flat payloads, plain per-property decorators); every other case, and every invalid
 * payload, goes through the full validateSync, which also writes the error messages. The common
 * constraints are checked directly, the others with class-validator's constraint functions
 * without its per-call bookkeeping. Returns undefined when the class has decorators the fast path
 * does not cover.
 */
export function compileFastValidator<P extends object>(payloadClass: new () => P): FastValidator<P> | undefined {
  const storage = getMetadataStorage();
  const all = storage.getTargetValidationMetadatas(payloadClass, '', true, false);
  // @IsOptional (class-validator: a null or undefined value skips the property's checks) is the one condition understood here.
  const optional = new Set(
    all.filter((m) => m.type === ValidationTypes.CONDITIONAL_VALIDATION && m.name === IS_OPTIONAL).map((m) => m.propertyName),
  );
  const metadatas = all.filter((m) => !(m.type === ValidationTypes.CONDITIONAL_VALIDATION && m.name === IS_OPTIONAL));
  if (metadatas.length === 0) return undefined;
  if (metadatas.some((m) => m.type !== 'customValidation' || m.each || (m.groups?.length ?? 0) > 0 || !m.constraintCls)) return undefined;
  const checks: Check[] = metadatas.map((m) => {
    const constraints = m.constraints ?? [];
    const tests = storage.getTargetValidatorConstraints(m.constraintCls).map((c): Test => {
      const direct = directTest(c.name, constraints);
      if (direct) return direct;
      const validator = c.instance as ValidatorConstraintInterface;
      return (value, args) => validator.validate(value, args) === true;
    });
    return { property: m.propertyName, constraints, tests };
  });
  const properties = [...new Set(checks.map((c) => c.property))];
  // Instances are made without the constructor, so a class with field defaults takes the full path.
  if (Object.values(new payloadClass()).some((value) => value !== undefined)) return undefined;
  const targetName = payloadClass.name;
  const prototype = payloadClass.prototype as object;

  return (plain) => {
    const instance = Object.create(prototype) as Record<string, unknown>;
    for (const property of properties) {
      const value = plain[property];
      if (typeof value === 'object' && value !== null) return undefined; // nested values: full path
      if (value !== undefined) instance[property] = value;
    }
    // One arguments object per payload, not per check: consumers validate every event.
    const args: ValidationArguments = { targetName, property: '', object: instance, value: undefined, constraints: [] };
    for (const check of checks) {
      args.property = check.property;
      args.value = instance[check.property];
      if (args.value == null && optional.has(check.property)) continue;
      args.constraints = check.constraints;
      for (const test of check.tests) if (!test(args.value, args)) return undefined;
    }
    return instance as P;
  };
}
