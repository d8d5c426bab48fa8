import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** One key of {@link SecretBox}: its id is stored with every value it encrypts, so keys can change. */
export interface SecretKey {
  id: string;
  key: Buffer;
}

const FORMAT = 'v1';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/**
 * AES-256-GCM encryption of the webhook secrets at rest. A stored value is
 * `v1:<key id>:<base64 of nonce | auth tag | ciphertext>`, with a random 12-byte nonce per value;
 * the subscription id is authenticated with it, so a value copied to another row does not decrypt.
 * The first key encrypts, every key decrypts: a new key goes first, the old one stays until no row
 * uses it.
 */
export class SecretBox {
  // Private fields: neither util.inspect nor JSON.stringify shows them, so a logged config shows no key.
  readonly #keys: readonly SecretKey[];

  constructor(keys: readonly SecretKey[]) {
    if (keys.length === 0) throw new RangeError('a SecretBox needs at least one key');
    for (const k of keys) if (k.key.length !== 32) throw new RangeError(`key ${k.id} must have 32 bytes`);
    this.#keys = keys;
  }

  /** Id of the key that encrypts. */
  get currentKeyId(): string {
    return this.#keys[0].id;
  }

  encrypt(plain: string, subscriptionId: string): string {
    const { id, key } = this.#keys[0];
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, nonce);
    cipher.setAAD(Buffer.from(subscriptionId));
    const ciphertext = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `${FORMAT}:${id}:${Buffer.concat([nonce, cipher.getAuthTag(), ciphertext]).toString('base64')}`;
  }

  /** The plain secret; throws when the value is not ours, its key is not configured, or it was altered. */
  decrypt(stored: string, subscriptionId: string): string {
    const [format, keyId, payload, ...rest] = stored.split(':');
    if (format !== FORMAT || payload === undefined || rest.length > 0) throw new SecretBoxError('not an encrypted secret');
    const key = this.#keys.find((k) => k.id === keyId);
    if (!key) throw new SecretBoxError(`key id ${keyId} is not configured`);
    const bytes = Buffer.from(payload, 'base64');
    if (bytes.length < NONCE_BYTES + TAG_BYTES) throw new SecretBoxError('encrypted secret is truncated');
    const decipher = createDecipheriv('aes-256-gcm', key.key, bytes.subarray(0, NONCE_BYTES));
    decipher.setAAD(Buffer.from(subscriptionId));
    decipher.setAuthTag(bytes.subarray(NONCE_BYTES, NONCE_BYTES + TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(bytes.subarray(NONCE_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretBoxError(`encrypted secret does not authenticate under key id ${keyId}`);
    }
  }
}

/** A stored secret that cannot be decrypted; its message names no key material. */
export class SecretBoxError extends Error {}

/** Whether a stored value is a plain-text `whsec_` secret from before encryption at rest. */
export function isPlainSecret(stored: string): boolean {
  return stored.startsWith('whsec_');
}
