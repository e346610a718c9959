import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/**
 * SSRF guard for webhook URLs: only http(s) (https only in production), no credentials in the
 * URL, and no host that is or resolves to an address inside a network (loopback, private,
 * link-local, CGNAT, multicast, reserved, and the IPv4-mapped IPv6 forms of those), unless
 * WEBHOOK_ALLOW_PRIVATE_URLS is set. Checked when an endpoint is made AND before every attempt,
 * where the sender then connects to the address checked here (so a DNS answer that changes
 * between the check and the connection, "DNS rebinding", cannot switch it).
 */
export interface UrlRules {
  requireHttps: boolean;
  allowPrivateUrls: boolean;
}

/** Resolves a host name to its addresses (tests can pass their own). */
export type HostResolver = (host: string) => Promise<{ address: string; family: 4 | 6 }[]>;

export const systemResolver: HostResolver = async (host) =>
  (await lookup(host, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));

const blocked = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24],
  ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) blocked.addSubnet(net, bits, 'ipv4');
// ::/96 holds :: and ::1 and the old IPv4-compatible form; IPv4-mapped (::ffff:a.b.c.d) is checked against the IPv4 rules by BlockList itself.
for (const [net, bits] of [['::', 96], ['64:ff9b::', 96], ['64:ff9b:1::', 48], ['100::', 64], ['2001::', 32], ['2001:db8::', 32], ['2002::', 16], ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8]] as const) {
  blocked.addSubnet(net, bits, 'ipv6');
}

/** Whether an IP address is one a webhook may not reach (unless private URLs are allowed). */
export function isBlockedAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  return blocked.check(address, family === 6 ? 'ipv6' : 'ipv4');
}

/** Why a URL is refused (a sentence for the `url` field), or null; syntax and scheme only, no DNS. */
export function urlShapeProblem(raw: string, rules: UrlRules): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'Give an absolute URL, like https://example.nl/webhooks.';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'Only http and https URLs can receive webhooks.';
  if (rules.requireHttps && url.protocol !== 'https:') return 'Only https URLs can receive webhooks.';
  if (url.username !== '' || url.password !== '') return 'A webhook URL may not contain a user name or password.';
  if (url.hash !== '') return 'A webhook URL may not contain a fragment (#).';
  return null;
}

export interface CheckedTarget {
  url: URL;
  /** The host name without IPv6 brackets. */
  host: string;
  /** The address to connect to: checked, so the connection cannot be switched to another one. */
  address: string;
  family: 4 | 6;
}

export class UrlRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UrlRefused';
  }
}

/**
 * Checks a URL's shape and the addresses its host resolves to (every one must be allowed) and
 * returns the first address to connect to. Throws UrlRefused with a sentence without the URL.
 */
export async function checkWebhookTarget(raw: string, rules: UrlRules, resolve: HostResolver = systemResolver): Promise<CheckedTarget> {
  const problem = urlShapeProblem(raw, rules);
  if (problem) throw new UrlRefused(problem);
  const url = new URL(raw);
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const literal = isIP(host);
  let addresses: { address: string; family: 4 | 6 }[];
  if (literal !== 0) addresses = [{ address: host, family: literal === 6 ? 6 : 4 }];
  else {
    try {
      addresses = await resolve(host);
    } catch {
      throw new UrlRefused('The host name of this URL cannot be found (DNS).');
    }
    if (addresses.length === 0) throw new UrlRefused('The host name of this URL cannot be found (DNS).');
  }
  if (!rules.allowPrivateUrls && addresses.some((a) => isBlockedAddress(a.address))) {
    throw new UrlRefused('This URL points to an internal address (loopback, private, link-local or reserved); webhooks only go to public addresses.');
  }
  const first = addresses[0]!;
  return { url, host, address: first.address, family: first.family };
}
