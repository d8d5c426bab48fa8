import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Standard Webhooks signing (https://www.standardwebhooks.com): the signed content is
 * `${webhook-id}.${webhook-timestamp}.${body}`, signed with HMAC-SHA256 under the secret's bytes
 * (the base64 part after `whsec_`), sent as `webhook-signature: v1,<base64>`.
 */

const PREFIX = 'whsec_';

/** A new random secret, `whsec_` + base64 of 32 bytes. */
export function generateWebhookSecret(bytes: Buffer = randomBytes(32)): string {
  return `${PREFIX}${bytes.toString('base64')}`;
}

function secretBytes(secret: string): Buffer {
  if (!secret.startsWith(PREFIX)) throw new RangeError('a webhook secret starts with whsec_');
  const bytes = Buffer.from(secret.slice(PREFIX.length), 'base64');
  if (bytes.length < 16) throw new RangeError('a webhook secret has at least 16 bytes');
  return bytes;
}

/** The `webhook-signature` value of one message: `v1,<base64 HMAC-SHA256>`. */
export function signWebhook(secret: string, id: string, timestampSeconds: number, body: string): string {
  const mac = createHmac('sha256', secretBytes(secret)).update(`${id}.${timestampSeconds}.${body}`).digest('base64');
  return `v1,${mac}`;
}

/**
 * The three headers of a Standard Webhooks delivery, signed with each of `secrets` (the new and
 * the old one during a rotation's overlap), the signatures separated by a space.
 */
export function webhookHeaders(secrets: string[], id: string, timestampSeconds: number, body: string): Record<string, string> {
  if (secrets.length === 0) throw new RangeError('a webhook delivery needs a secret');
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': secrets.map((secret) => signWebhook(secret, id, timestampSeconds, body)).join(' '),
  };
}

/**
 * What a receiver does: true when one of the space-separated `v1,` signatures matches and the
 * timestamp is within `toleranceSeconds` of `nowSeconds`.
 */
export function verifyWebhook(
  secret: string,
  headers: { id: string; timestamp: string; signature: string },
  body: string,
  nowSeconds: number,
  toleranceSeconds = 300,
): boolean {
  const timestamp = Number(headers.timestamp);
  if (!Number.isInteger(timestamp) || Math.abs(nowSeconds - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(signWebhook(secret, headers.id, timestamp, body));
  return headers.signature
    .split(' ')
    .map((candidate) => Buffer.from(candidate))
    .some((candidate) => candidate.length === expected.length && timingSafeEqual(candidate, expected));
}
