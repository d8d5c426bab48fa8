import { validationMetadatasToSchemas } from 'class-validator-jsonschema';
import { allContracts, EventContract } from './catalogue';

/** A JSON Schema object (the subset class-validator-jsonschema produces). */
export type JsonSchema = Record<string, unknown> & { properties?: Record<string, JsonSchema>; required?: string[] };

/** The JSON Schema of every contract's payload, keyed by payload class name. */
export function payloadSchemas(contracts: EventContract[] = allContracts()): Record<string, JsonSchema> {
  const all = validationMetadatasToSchemas({ refPointerPrefix: '#/components/schemas/' }) as Record<string, JsonSchema>;
  return Object.fromEntries(contracts.map((c) => [c.payload.name, all[c.payload.name] ?? { type: 'object' }]));
}

/** The JSON Schema of one class-validator class (e.g. a command, for OpenAPI). */
export function classSchema(cls: new () => object): JsonSchema {
  const all = validationMetadatasToSchemas({ refPointerPrefix: '#/components/schemas/' }) as Record<string, JsonSchema>;
  return structuredClone(all[cls.name] ?? { type: 'object' });
}
