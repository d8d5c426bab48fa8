import { BlockList, isIP } from 'node:net';

/** Which targets a webhook may have besides public addresses. */
export interface TargetPolicy {
  allowLoopback: boolean;
  allowPrivateNetworks: boolean;
}

/** Why a webhook URL or address is refused. */
export type TargetRefusal =
  | { code: 'NOTIFICATIONS.URL_INVALID'; message: string }
  | { code: 'NOTIFICATIONS.URL_SCHEME'; message: string }
  | { code: 'NOTIFICATIONS.URL_CREDENTIALS'; message: string }
  | { code: 'NOTIFICATIONS.TARGET_LOOPBACK'; message: string }
  | { code: 'NOTIFICATIONS.TARGET_PRIVATE'; message: string }
  | { code: 'NOTIFICATIONS.TARGET_RESERVED'; message: string }
  | { code: 'NOTIFICATIONS.TARGET_UNRESOLVED'; message: string };

/** The kind of network an IP address belongs to. */
export type AddressClass = 'public' | 'loopback' | 'private' | 'reserved';

function blockList(entries: [string, number, 'ipv4' | 'ipv6'][]): BlockList {
  const list = new BlockList();
  for (const [network, prefix, family] of entries) list.addSubnet(network, prefix, family);
  return list;
}

const LOOPBACK = blockList([
  ['127.0.0.0', 8, 'ipv4'],
  ['::1', 128, 'ipv6'],
]);

/** Private, shared, link-local and unique-local networks (RFC 1918, 6598, 3927, 4193, 4291). */
const PRIVATE = blockList([
  ['10.0.0.0', 8, 'ipv4'],
  ['172.16.0.0', 12, 'ipv4'],
  ['192.168.0.0', 16, 'ipv4'],
  ['100.64.0.0', 10, 'ipv4'],
  ['169.254.0.0', 16, 'ipv4'],
  ['fc00::', 7, 'ipv6'],
  ['fe80::', 10, 'ipv6'],
]);

/** Addresses that are never a web server: "this network", documentation, benchmarking, multicast, broadcast, future use. */
const RESERVED = blockList([
  ['0.0.0.0', 8, 'ipv4'],
  ['192.0.0.0', 24, 'ipv4'],
  ['192.0.2.0', 24, 'ipv4'],
  ['198.18.0.0', 15, 'ipv4'],
  ['198.51.100.0', 24, 'ipv4'],
  ['203.0.113.0', 24, 'ipv4'],
  ['224.0.0.0', 4, 'ipv4'],
  ['240.0.0.0', 4, 'ipv4'],
  ['::', 128, 'ipv6'],
  ['2001:db8::', 32, 'ipv6'],
  ['ff00::', 8, 'ipv6'],
]);

/** An IPv4 address hidden in an IPv6 one (::ffff:a.b.c.d mapped, 64:ff9b::/96 NAT64), else undefined. */
function embeddedIPv4(address: string): string | undefined {
  const lower = address.toLowerCase();
  const dotted = /^(?:::ffff:|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted) return dotted[1];
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (!hex) return undefined;
  const [high, low] = [parseInt(hex[1], 16), parseInt(hex[2], 16)];
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}

/** Classifies an IP address literal. */
export function classifyAddress(address: string): AddressClass {
  const family = isIP(address);
  if (family === 0) throw new RangeError(`not an IP address: ${address}`);
  const v4 = family === 6 ? embeddedIPv4(address) : undefined;
  if (v4) return classifyAddress(v4);
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (LOOPBACK.check(address, type)) return 'loopback';
  if (PRIVATE.check(address, type)) return 'private';
  if (RESERVED.check(address, type)) return 'reserved';
  return 'public';
}

/** Whether the policy allows connecting to `address`; the refusal otherwise. */
export function checkAddress(address: string, policy: TargetPolicy): TargetRefusal | undefined {
  switch (classifyAddress(address)) {
    case 'public':
      return undefined;
    case 'loopback':
      return policy.allowLoopback ? undefined : { code: 'NOTIFICATIONS.TARGET_LOOPBACK', message: `${address} is a loopback address` };
    case 'private':
      return policy.allowPrivateNetworks
        ? undefined
        : { code: 'NOTIFICATIONS.TARGET_PRIVATE', message: `${address} is in a private or link-local network` };
    case 'reserved':
      return { code: 'NOTIFICATIONS.TARGET_RESERVED', message: `${address} is a reserved address` };
  }
}

/** The host of a URL without IPv6 brackets. */
function bareHost(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

/**
 * Checks a webhook URL as written: http or https only, no user or password in it, and, when the
 * host is an IP address (in any notation the URL parser normalises, e.g. 0x7f.1 or 2130706433),
 * an address the policy allows. Host names are checked after resolution ({@link checkResolved}).
 */
export function checkWebhookUrl(raw: string, policy: TargetPolicy): TargetRefusal | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { code: 'NOTIFICATIONS.URL_INVALID', message: 'url is not a valid absolute URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return { code: 'NOTIFICATIONS.URL_SCHEME', message: `url must use http or https, not ${url.protocol.replace(':', '')}` };
  if (url.username || url.password)
    return { code: 'NOTIFICATIONS.URL_CREDENTIALS', message: 'url must not contain a user name or password' };
  const host = bareHost(url);
  if (isIP(host)) return checkAddress(host, policy);
  if (host === 'localhost' || host.endsWith('.localhost'))
    return policy.allowLoopback ? undefined : { code: 'NOTIFICATIONS.TARGET_LOOPBACK', message: `${host} is a loopback name` };
  return undefined;
}

/** Checks every address a host name resolved to: one refused address refuses the target. */
export function checkResolved(host: string, addresses: string[], policy: TargetPolicy): TargetRefusal | undefined {
  if (addresses.length === 0) return { code: 'NOTIFICATIONS.TARGET_UNRESOLVED', message: `${host} does not resolve to any address` };
  for (const address of addresses) {
    const refusal = checkAddress(address, policy);
    if (refusal) return { ...refusal, message: `${host} resolves to ${refusal.message}` };
  }
  return undefined;
}

/** Resolves a host name to all its addresses (dns.lookup with all: true in production). */
export type Resolver = (host: string) => Promise<string[]>;

/** The full check of a URL: as written, then every address its host resolves to. */
export async function checkWebhookTarget(raw: string, policy: TargetPolicy, resolve: Resolver): Promise<TargetRefusal | undefined> {
  const refusal = checkWebhookUrl(raw, policy);
  if (refusal) return refusal;
  const host = bareHost(new URL(raw));
  if (isIP(host)) return undefined;
  let addresses: string[];
  try {
    addresses = await resolve(host);
  } catch (err) {
    return { code: 'NOTIFICATIONS.TARGET_UNRESOLVED', message: `${host} cannot be resolved: ${(err as Error).message}` };
  }
  return checkResolved(host, addresses, policy);
}
