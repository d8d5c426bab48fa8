import ipaddr from 'ipaddr.js';
import { isIP } from 'node:net';

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

/** Ranges of ipaddr.js that are private networks: refused unless configured (RFC 1918, 6598, 3927, 4193, 4291). */
const PRIVATE_RANGES = new Set(['private', 'carrierGradeNat', 'linkLocal', 'uniqueLocal']);

/**
 * Classifies an IP address literal with an allow-list: only what ipaddr.js calls `unicast` (a
 * globally routable unicast address) is public. Every special range is refused, including those a
 * block list tends to miss: 6to4 (2002::/16) and Teredo, which tunnel to any IPv4 address, NAT64
 * (64:ff9b::/96, 64:ff9b:1::/48), the old IPv4-compatible ::/96, site-local fec0::/10 and the
 * discard prefix 100::/64. An IPv4-mapped address (::ffff:a.b.c.d) is the IPv4 address it maps.
 */
export function classifyAddress(address: string): AddressClass {
  if (!isIP(address)) throw new RangeError(`not an IP address: ${address}`);
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  const range = parsed.range();
  if (range === 'loopback') return 'loopback';
  if (PRIVATE_RANGES.has(range)) return 'private';
  // ipaddr.js has no range for ::/96 (IPv4-compatible, deprecated by RFC 4291): its first 96 bits are zero.
  if (parsed.kind() === 'ipv6' && parsed.match(ipaddr.IPv6.parse('::'), 96)) return 'reserved';
  return range === 'unicast' ? 'public' : 'reserved';
}

const CLASS_WORDS: Record<Exclude<AddressClass, 'public'>, string> = {
  loopback: 'a loopback address',
  private: 'in a private or link-local network',
  reserved: 'a special-purpose address that is not globally routable',
};

/**
 * Whether the policy allows connecting to `address`; the refusal otherwise. `shownAs` is what the
 * message names: the address as the caller wrote it, or the host name for a resolved address, so
 * a refusal never tells the caller which internal address a name resolves to.
 */
export function checkAddress(address: string, policy: TargetPolicy, shownAs = address): TargetRefusal | undefined {
  const kind = classifyAddress(address);
  if (kind === 'public') return undefined;
  const message = `${shownAs} is ${CLASS_WORDS[kind]}`;
  if (kind === 'loopback') return policy.allowLoopback ? undefined : { code: 'NOTIFICATIONS.TARGET_LOOPBACK', message };
  if (kind === 'private') return policy.allowPrivateNetworks ? undefined : { code: 'NOTIFICATIONS.TARGET_PRIVATE', message };
  return { code: 'NOTIFICATIONS.TARGET_RESERVED', message };
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
    const refusal = checkAddress(address, policy, `${host} resolves to an address that`);
    if (refusal) return refusal;
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
