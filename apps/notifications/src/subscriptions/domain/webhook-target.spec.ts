import {
  checkAddress,
  checkResolved,
  checkWebhookTarget,
  checkWebhookUrl,
  classifyAddress,
  Resolver,
  TargetPolicy,
} from './webhook-target';

const strict: TargetPolicy = { allowLoopback: false, allowPrivateNetworks: false };
const loopbackAllowed: TargetPolicy = { allowLoopback: true, allowPrivateNetworks: false };
const code = (refusal: { code: string } | undefined) => refusal?.code;

describe('webhook targets', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.10', 'private'],
    ['100.64.0.1', 'private'],
    ['169.254.169.254', 'private'],
    ['fd12:3456::1', 'private'],
    ['fe80::1', 'private'],
    ['::ffff:10.0.0.1', 'private'],
    ['64:ff9b::a00:1', 'reserved'],
    ['0.0.0.0', 'reserved'],
    ['::', 'reserved'],
    ['224.0.0.1', 'reserved'],
    ['255.255.255.255', 'reserved'],
    ['192.0.2.4', 'reserved'],
    ['2002:7f00:1::', 'reserved'],
    ['2002:5db8:d70e::1', 'reserved'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'reserved'],
    ['64:ff9b::808:808', 'reserved'],
    ['64:ff9b::5db8:d70e', 'reserved'],
    ['64:ff9b:1::808:808', 'reserved'],
    ['::808:808', 'reserved'],
    ['::7f00:1', 'reserved'],
    ['fec0::1', 'reserved'],
    ['100::1', 'reserved'],
    ['2001:db8::1', 'reserved'],
    ['ff02::1', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['::ffff:8.8.8.8', 'public'],
    ['93.184.215.14', 'public'],
    ['172.32.0.1', 'public'],
    ['2606:4700::1111', 'public'],
  ])('classifies %s as %s', (address, kind) => {
    expect(classifyAddress(address)).toBe(kind);
  });

  it('refuses loopback and private addresses unless allowed, and reserved ones always', () => {
    expect(code(checkAddress('127.0.0.1', strict))).toBe('NOTIFICATIONS.TARGET_LOOPBACK');
    expect(checkAddress('127.0.0.1', loopbackAllowed)).toBeUndefined();
    expect(code(checkAddress('10.0.0.1', loopbackAllowed))).toBe('NOTIFICATIONS.TARGET_PRIVATE');
    expect(checkAddress('10.0.0.1', { allowLoopback: false, allowPrivateNetworks: true })).toBeUndefined();
    expect(code(checkAddress('0.0.0.0', { allowLoopback: true, allowPrivateNetworks: true }))).toBe('NOTIFICATIONS.TARGET_RESERVED');
    expect(checkAddress('93.184.215.14', strict)).toBeUndefined();
  });

  it.each([
    ['ftp://example.org/hook', 'NOTIFICATIONS.URL_SCHEME'],
    ['file:///etc/passwd', 'NOTIFICATIONS.URL_SCHEME'],
    ['javascript:alert(1)', 'NOTIFICATIONS.URL_SCHEME'],
    ['not a url', 'NOTIFICATIONS.URL_INVALID'],
    ['/relative/hook', 'NOTIFICATIONS.URL_INVALID'],
    ['https://user:pw@example.org/hook', 'NOTIFICATIONS.URL_CREDENTIALS'],
    ['http://127.0.0.1:3003/hook', 'NOTIFICATIONS.TARGET_LOOPBACK'],
    ['http://0x7f.1/hook', 'NOTIFICATIONS.TARGET_LOOPBACK'],
    ['http://2130706433/hook', 'NOTIFICATIONS.TARGET_LOOPBACK'],
    ['http://[::1]:8080/hook', 'NOTIFICATIONS.TARGET_LOOPBACK'],
    ['http://[::ffff:127.0.0.1]/hook', 'NOTIFICATIONS.TARGET_LOOPBACK'],
    ['http://localhost/hook', 'NOTIFICATIONS.TARGET_LOOPBACK'],
    ['http://api.localhost/hook', 'NOTIFICATIONS.TARGET_LOOPBACK'],
    ['http://10.0.0.7/hook', 'NOTIFICATIONS.TARGET_PRIVATE'],
    ['http://169.254.169.254/latest/meta-data/', 'NOTIFICATIONS.TARGET_PRIVATE'],
    ['http://[fd00::1]/hook', 'NOTIFICATIONS.TARGET_PRIVATE'],
    ['http://[2002:7f00:1::]/hook', 'NOTIFICATIONS.TARGET_RESERVED'],
    ['http://[64:ff9b::7f00:1]/hook', 'NOTIFICATIONS.TARGET_RESERVED'],
    ['http://[::127.0.0.1]/hook', 'NOTIFICATIONS.TARGET_RESERVED'],
    ['http://[fec0::1]/hook', 'NOTIFICATIONS.TARGET_RESERVED'],
  ])('refuses %s with %s', (url, expected) => {
    expect(code(checkWebhookUrl(url, strict))).toBe(expected);
  });

  it('accepts public http and https URLs, and loopback ones where configured', () => {
    expect(checkWebhookUrl('https://example.org/hooks/ki', strict)).toBeUndefined();
    expect(checkWebhookUrl('http://93.184.215.14:8080/hook', strict)).toBeUndefined();
    expect(checkWebhookUrl('http://127.0.0.1:3003/hook', loopbackAllowed)).toBeUndefined();
    expect(checkWebhookUrl('http://localhost/hook', loopbackAllowed)).toBeUndefined();
  });

  it('refuses a host name when any of its addresses is refused', () => {
    expect(checkResolved('example.org', ['93.184.215.14'], strict)).toBeUndefined();
    const refusal = checkResolved('rebind.example', ['93.184.215.14', '10.0.0.1'], strict);
    expect(code(refusal)).toBe('NOTIFICATIONS.TARGET_PRIVATE');
    expect(refusal?.message).toBe('rebind.example resolves to an address that is in a private or link-local network');
    expect(code(checkResolved('nowhere.example', [], strict))).toBe('NOTIFICATIONS.TARGET_UNRESOLVED');
  });

  it('never names the internal address a host name resolved to', async () => {
    const internal = ['10.20.30.40', 'fd12:3456::7', '127.0.0.2', '2002:a14:1e28::1'];

    const refusals = await Promise.all(
      internal.map((address) => checkWebhookTarget('https://intranet.example/hook', strict, async () => [address])),
    );

    expect(refusals.map(code)).toEqual([
      'NOTIFICATIONS.TARGET_PRIVATE',
      'NOTIFICATIONS.TARGET_PRIVATE',
      'NOTIFICATIONS.TARGET_LOOPBACK',
      'NOTIFICATIONS.TARGET_RESERVED',
    ]);
    refusals.forEach((refusal, i) => expect(refusal?.message).not.toContain(internal[i]));
  });

  it('checks the addresses a host name resolves to, not only the name', async () => {
    const resolve: Resolver = async (host) => ({ 'internal.example.org': ['192.168.0.5'], 'example.org': ['93.184.215.14'] })[host] ?? [];
    const failing: Resolver = () => Promise.reject(new Error('getaddrinfo ENOTFOUND'));

    expect(code(await checkWebhookTarget('https://internal.example.org/hook', strict, resolve))).toBe('NOTIFICATIONS.TARGET_PRIVATE');
    expect(await checkWebhookTarget('https://example.org/hook', strict, resolve)).toBeUndefined();
    expect(code(await checkWebhookTarget('https://unknown.example/hook', strict, failing))).toBe('NOTIFICATIONS.TARGET_UNRESOLVED');
    expect(code(await checkWebhookTarget('http://127.0.0.1/hook', strict, resolve))).toBe('NOTIFICATIONS.TARGET_LOOPBACK');
  });
});
