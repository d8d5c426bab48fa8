import { getMetadataStorage, ValidationArguments, ValidatorConstraintInterface } from 'class-validator';

/** Checks a flat plain object against a payload class; undefined means "not valid, or not sure". */
export type FastValidator<P> = (plain: Record<string, unknown>) => P | undefined;

interface Check {
  property: string;
  constraints: unknown[];
  validators: ValidatorConstraintInterface[];
}

/**
 * A validator for the hot path of consumers: the very same class-validator constraint functions,
 * run without class-validator's per-call bookkeeping. It only answers "valid" for the cases it
 * fully understands (flat payloads, plain per-property decorators); every other case, and every
 * invalid payload, goes through the full validateSync, which also writes the error messages.
 * Returns undefined when the class has decorators the fast path does not cover.
 */
export function compileFastValidator<P extends object>(payloadClass: new () => P): FastValidator<P> | undefined {
  const storage = getMetadataStorage();
  const metadatas = storage.getTargetValidationMetadatas(payloadClass, '', true, false);
  if (metadatas.length === 0) return undefined;
  if (metadatas.some((m) => m.type !== 'customValidation' || m.each || (m.groups?.length ?? 0) > 0 || !m.constraintCls)) return undefined;
  const checks: Check[] = metadatas.map((m) => ({
    property: m.propertyName,
    constraints: m.constraints ?? [],
    validators: storage.getTargetValidatorConstraints(m.constraintCls).map((c) => c.instance as ValidatorConstraintInterface),
  }));
  const properties = [...new Set(checks.map((c) => c.property))];
  const targetName = payloadClass.name;

  return (plain) => {
    const instance = new payloadClass() as Record<string, unknown>;
    for (const property of properties) {
      const value = plain[property];
      if (typeof value === 'object' && value !== null) return undefined; // nested values: full path
      instance[property] = value;
    }
    // One arguments object per payload, not per check: consumers validate every event.
    const args: ValidationArguments = { targetName, property: '', object: instance, value: undefined, constraints: [] };
    for (const check of checks) {
      args.property = check.property;
      args.value = instance[check.property];
      args.constraints = check.constraints;
      for (const validator of check.validators) if (validator.validate(args.value, args) !== true) return undefined;
    }
    return instance as P;
  };
}
