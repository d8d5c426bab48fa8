import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { isPlainSecret, SecretBox, SecretBoxError } from './secret-box';

describe('SecretBox (AES-256-GCM of webhook secrets at rest)', () => {
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const subscriptionId = '6f1c1c52-3f44-4f0e-9d7a-2d9bb1a5f1a0';
  const older = { id: 'k2025', key: randomBytes(32) };
  const newer = { id: 'k2026', key: randomBytes(32) };

  it('stores key id, nonce, tag and ciphertext, never the secret, with a new nonce each time', () => {
    const box = new SecretBox([older]);
    const a = box.encrypt(secret, subscriptionId);
    const b = box.encrypt(secret, subscriptionId);

    expect(a).toMatch(/^v1:k2025:[A-Za-z0-9+/]+=*$/);
    expect(a).not.toContain(secret.slice(6));
    expect(isPlainSecret(a)).toBe(false);
    expect(isPlainSecret(secret)).toBe(true);
    expect(a).not.toBe(b);
    // 12-byte nonce + 16-byte tag + the secret's bytes
    expect(Buffer.from(a.split(':')[2], 'base64')).toHaveLength(12 + 16 + secret.length);
    expect(box.decrypt(a, subscriptionId)).toBe(secret);
    expect(box.decrypt(b, subscriptionId)).toBe(secret);
  });

  it('encrypts with the first key and decrypts with every key, so keys can be rotated', () => {
    const stored = new SecretBox([older]).encrypt(secret, subscriptionId);
    const rotated = new SecretBox([newer, older]);

    expect(rotated.decrypt(stored, subscriptionId)).toBe(secret);
    expect(rotated.encrypt(secret, subscriptionId)).toMatch(/^v1:k2026:/);
    expect(rotated.currentKeyId).toBe('k2026');
    expect(() => new SecretBox([newer]).decrypt(stored, subscriptionId)).toThrow('key id k2025 is not configured');
  });

  it('refuses altered values, another key under the same id, and a value copied to another subscription', () => {
    const box = new SecretBox([older]);
    const stored = box.encrypt(secret, subscriptionId);
    const bytes = Buffer.from(stored.split(':')[2], 'base64');
    bytes[bytes.length - 1] ^= 1;

    expect(() => box.decrypt(`v1:k2025:${bytes.toString('base64')}`, subscriptionId)).toThrow(SecretBoxError);
    expect(() => new SecretBox([{ id: 'k2025', key: randomBytes(32) }]).decrypt(stored, subscriptionId)).toThrow(SecretBoxError);
    expect(() => box.decrypt(stored, '00000000-0000-4000-8000-000000000000')).toThrow(SecretBoxError);
    expect(() => box.decrypt(secret, subscriptionId)).toThrow('not an encrypted secret');
  });

  it('shows no key when printed', () => {
    const box = new SecretBox([older]);

    expect(inspect(box, { depth: 5 })).toBe('SecretBox {}');
    expect(JSON.stringify({ box })).toBe('{"box":{}}');
    expect(() => new SecretBox([{ id: 'short', key: randomBytes(16) }])).toThrow(RangeError);
  });
});
