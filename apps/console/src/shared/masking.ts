import { SensitiveFields } from '@ki/contracts';

const MASK = '•••';
const EMAIL = /[^\s@"',;<>]+@[^\s@"',;<>]+\.[a-z]{2,}/gi;

/** The payload with the fields its contract marks sensitive replaced by a mask; unchanged with `reveal`. */
export function maskPayload(type: string | undefined, payload: unknown, reveal: boolean): unknown {
  if (reveal || typeof payload !== 'object' || payload === null) return payload;
  const fields = SensitiveFields[type ?? ''] ?? [];
  if (fields.length === 0) return payload;
  const copy = { ...(payload as Record<string, unknown>) };
  for (const name of fields) if (name in copy) copy[name] = MASK;
  return copy;
}

/** Raw text (a value that is no JSON, an error message) with every e-mail address masked, unless `reveal`. */
export function maskText(text: string | null, reveal: boolean): string | null {
  return reveal || text === null ? text : text.replace(EMAIL, MASK);
}
