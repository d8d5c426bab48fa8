import { inspect } from 'node:util';

const MASK = '•••';

/**
 * A secret value (password, key) that prints as `•••` in logs, JSON, errors and the inspector.
 * Only `reveal()` gives the value, at the one place that must hand it to a client library.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return MASK;
  }

  toJSON(): string {
    return MASK;
  }

  [inspect.custom](): string {
    return MASK;
  }
}
