import type { JsonSchema } from './json-schema';

/**
 * Why `current` cannot replace the released payload schema under the same event version, or
 * nothing when it can. Events stay in topics and are replayed, so both old and new readers must
 * accept both old and new messages: released fields keep their exact schema and stay required;
 * new fields must be optional.
 */
export function incompatibilities(released: JsonSchema, current: JsonSchema): string[] {
  const problems: string[] = [];
  const before = released.properties ?? {};
  const after = current.properties ?? {};
  const requiredBefore = new Set(released.required ?? []);
  const requiredAfter = new Set(current.required ?? []);
  for (const [field, schema] of Object.entries(before)) {
    if (!(field in after)) problems.push(`field "${field}" was removed`);
    else if (JSON.stringify(schema) !== JSON.stringify(after[field])) problems.push(`field "${field}" changed its schema`);
    if (requiredBefore.has(field) && !requiredAfter.has(field)) problems.push(`field "${field}" is no longer required`);
  }
  for (const field of requiredAfter) {
    if (!(field in before)) problems.push(`new field "${field}" is required (new fields must be optional)`);
  }
  return problems;
}
