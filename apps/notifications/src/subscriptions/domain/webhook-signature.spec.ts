import { generateWebhookSecret, signWebhook, verifyWebhook, webhookHeaders } from './webhook-signature';

describe('Standard Webhooks signatures', () => {
  // The example of the Standard Webhooks reference libraries.
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const id = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
  const timestamp = 1614265330;
  const body = '{"test": 2432232314}';

  it('signs "id.timestamp.body" with HMAC-SHA256 under the secret bytes', () => {
    expect(signWebhook(secret, id, timestamp, body)).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('sends webhook-id, webhook-timestamp and webhook-signature', () => {
    expect(webhookHeaders([secret], id, timestamp, body)).toEqual({
      'webhook-id': id,
      'webhook-timestamp': '1614265330',
      'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    });
  });

  it('signs with the new and the old secret during a rotation, separated by a space, each verifying', () => {
    const newSecret = generateWebhookSecret();
    const headers = webhookHeaders([newSecret, secret], id, timestamp, body);

    expect(headers['webhook-signature']).toBe(
      `${signWebhook(newSecret, id, timestamp, body)} v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=`,
    );
    const signed = { id, timestamp: String(timestamp), signature: headers['webhook-signature'] };
    expect(verifyWebhook(newSecret, signed, body, timestamp)).toBe(true);
    expect(verifyWebhook(secret, signed, body, timestamp)).toBe(true);
    expect(verifyWebhook(generateWebhookSecret(), signed, body, timestamp)).toBe(false);
    expect(() => webhookHeaders([], id, timestamp, body)).toThrow(RangeError);
  });

  it('verifies with the right secret only, and only the body that was signed', () => {
    const headers = { id, timestamp: String(timestamp), signature: signWebhook(secret, id, timestamp, body) };

    expect(verifyWebhook(secret, headers, body, timestamp)).toBe(true);
    expect(verifyWebhook(generateWebhookSecret(), headers, body, timestamp)).toBe(false);
    expect(verifyWebhook(secret, headers, '{"test": 2432232315}', timestamp)).toBe(false);
    expect(verifyWebhook(secret, { ...headers, id: 'msg_other' }, body, timestamp)).toBe(false);
  });

  it('accepts one matching signature among several and refuses old timestamps', () => {
    const signature = `v1,bm90IGl0 ${signWebhook(secret, id, timestamp, body)}`;

    expect(verifyWebhook(secret, { id, timestamp: String(timestamp), signature }, body, timestamp + 60)).toBe(true);
    expect(verifyWebhook(secret, { id, timestamp: String(timestamp), signature }, body, timestamp + 301)).toBe(false);
  });

  it('makes secrets of 32 random bytes with the whsec_ prefix', () => {
    const a = generateWebhookSecret();
    const b = generateWebhookSecret();

    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(a.slice(6), 'base64')).toHaveLength(32);
    expect(a).not.toBe(b);
  });

  it('refuses secrets without the prefix or too short', () => {
    expect(() => signWebhook('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', id, timestamp, body)).toThrow(RangeError);
    expect(() => signWebhook('whsec_c2hvcnQ=', id, timestamp, body)).toThrow(RangeError);
  });
});
