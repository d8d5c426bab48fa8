import { SensitiveFields } from '@ki/contracts';

const MASK = '•••';
/** Runs of characters between separators; an address never spans a separator. */
const WORD = /[^\s"',;<>]+/g;
/** A domain with a top-level part of letters, after the `@`. */
const DOMAIN = /[^@]\.[a-z]{2,}/i;

/**
 * A word holding an e-mail address (something, `@`, a domain with a dot) becomes the mask as a
 * whole. Words are matched without backtracking, so the time is linear in the text's length (a
 * regular expression for addresses in free text is quadratic on long runs without a separator).
 */
function maskWord(word: string): string {
  const at = word.indexOf('@');
  return at > 0 && DOMAIN.test(word.slice(at + 1)) ? MASK : word;
}

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
  return reveal || text === null ? text : text.replace(WORD, maskWord);
}
