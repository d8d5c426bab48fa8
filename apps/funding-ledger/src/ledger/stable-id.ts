import { createHash } from 'node:crypto';

/** Namespace of the ledger's name-based ids (a random UUID fixed once). */
const NAMESPACE = Buffer.from('5f0c2a9e4b7d4e41a0f3c8d26b1e7a54', 'hex');

/**
 * A name-based UUID (RFC 9562 version 5) of `parts`: the same causing event and programme always
 * give the same transfer or decision id, so booking a fact twice collides instead of doubling.
 */
export function stableId(...parts: (string | number)[]): string {
  const hash = createHash('sha1').update(NAMESPACE).update(parts.join('\u001f')).digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
