import { BlockList, isIP } from 'node:net';

/** Never a webhook target: link-local (cloud metadata lives there), "this host", multicast, broadcast. */
const ALWAYS_REFUSED = new BlockList();
ALWAYS_REFUSED.addSubnet('169.254.0.0', 16, 'ipv4');
ALWAYS_REFUSED.addSubnet('0.0.0.0', 8, 'ipv4');
ALWAYS_REFUSED.addSubnet('224.0.0.0', 4, 'ipv4');
ALWAYS_REFUSED.addAddress('255.255.255.255', 'ipv4');
ALWAYS_REFUSED.addAddress('100.100.100.200', 'ipv4'); // Alibaba Cloud metadata
ALWAYS_REFUSED.addSubnet('fe80::', 10, 'ipv6');
ALWAYS_REFUSED.addSubnet('ff00::', 8, 'ipv6');
ALWAYS_REFUSED.addAddress('::', 'ipv6');
ALWAYS_REFUSED.addAddress('fd00:ec2::254', 'ipv6'); // AWS metadata over IPv6

/** Loopback and private ranges: bots often run beside the API, so allowed unless configured otherwise. */
const PRIVATE = new BlockList();
PRIVATE.addSubnet('127.0.0.0', 8, 'ipv4');
PRIVATE.addSubnet('10.0.0.0', 8, 'ipv4');
PRIVATE.addSubnet('172.16.0.0', 12, 'ipv4');
PRIVATE.addSubnet('192.168.0.0', 16, 'ipv4');
PRIVATE.addSubnet('100.64.0.0', 10, 'ipv4');
PRIVATE.addAddress('::1', 'ipv6');
PRIVATE.addSubnet('fc00::', 7, 'ipv6');

export interface AddressPolicy {
  allowPrivate: boolean;
  allowedHosts: string[];
}

/** The eight 16-bit groups of an IPv6 address (one `isIP` accepts), a trailing dotted quad included. */
function ipv6Groups(address: string): number[] {
  let text = address.split('%')[0].toLowerCase(); // no zone index
  const quad = /^(.*:)(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (quad) {
    const [a, b, c, d] = quad.slice(2).map(Number);
    text = `${quad[1]}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const parse = (part: string | undefined) =>
    part ? part.split(':').map((group) => parseInt(group, 16)) : [];
  const [head, tail] = text.split('::');
  const left = parse(head);
  const right = parse(tail);
  const gap = text.includes('::') ? 8 - left.length - right.length : 0;
  return [...left, ...new Array<number>(gap).fill(0), ...right];
}

const dotted = (bytes: number[]) => bytes.join('.');

/**
 * The IPv4 addresses an IPv6 address stands for: IPv4-mapped `::ffff:a.b.c.d`, SIIT's
 * `::ffff:0:a.b.c.d`, the deprecated IPv4-compatible `::a.b.c.d` and NAT64 `64:ff9b::a.b.c.d`
 * all reach `a.b.c.d` (on this host's stack or through a translator), so `::a9fe:a9fe` is the
 * metadata address in other clothes. Empty for an address that embeds none.
 */
export function embeddedIPv4(address: string): string[] {
  const groups = ipv6Groups(address);
  const bytes = groups.flatMap((group) => [group >> 8, group & 255]);
  const zero = (from: number, to: number) => groups.slice(from, to).every((g) => g === 0);
  const last = dotted(bytes.slice(12));
  if (zero(0, 5) && groups[5] === 0xffff) return [last];
  if (zero(0, 4) && groups[4] === 0xffff && groups[5] === 0) return [last];
  // `::` and `::1` are IPv6's own unspecified and loopback addresses.
  if (zero(0, 6) && (groups[6] !== 0 || groups[7] > 1)) return [last];
  if (groups[0] === 0x64 && groups[1] === 0xff9b) {
    if (zero(2, 6)) return [last]; // the well-known prefix, always a /96
    // The local-use 64:ff9b:1::/48 holds translator prefixes of any length from /48 to /96,
    // each placing the IPv4 address elsewhere (RFC 6052; byte 8 is skipped): every reading is
    // judged, but for one in 0.0.0.0/8, never a translation target, when another reading is not.
    if (groups[2] === 1) {
      const readings = [
        [6, 7, 9, 10],
        [7, 9, 10, 11],
        [9, 10, 11, 12],
        [12, 13, 14, 15],
      ].map((at) => dotted(at.map((i) => bytes[i])));
      const plausible = readings.filter((ip) => !ip.startsWith('0.'));
      return plausible.length > 0 ? plausible : readings;
    }
  }
  return [];
}

/**
 * Why a webhook may not connect to `address` (reached for `host`), or undefined when it may.
 * Applied to the address actually connected to, so DNS cannot smuggle a forbidden one in.
 */
export function refusedAddress(
  address: string,
  host: string,
  policy: AddressPolicy,
): string | undefined {
  const family = isIP(address);
  if (family === 0) return `${address} is not an IP address`;
  const embedded = family === 6 ? embeddedIPv4(address) : [];
  const judged: { ip: string; family: 'ipv4' | 'ipv6' }[] =
    embedded.length > 0
      ? embedded.map((ip) => ({ ip, family: 'ipv4' }))
      : [{ ip: address.toLowerCase(), family: family === 6 ? 'ipv6' : 'ipv4' }];
  const named = (ip: string) =>
    embedded.length > 0 ? `address ${address} (IPv4 ${ip})` : `address ${address}`;
  const refused = judged.find(({ ip, family }) => ALWAYS_REFUSED.check(ip, family));
  if (refused) {
    return `${named(refused.ip)} is link-local, metadata, multicast or unspecified, which webhooks may never reach`;
  }
  const privateOne = judged.find(({ ip, family }) => PRIVATE.check(ip, family));
  if (privateOne && !policy.allowPrivate && !policy.allowedHosts.includes(host.toLowerCase())) {
    return `${named(privateOne.ip)} is loopback or private, and WEBHOOK_ALLOW_PRIVATE is false (allow the host with WEBHOOK_ALLOWED_HOSTS)`;
  }
  return undefined;
}

/**
 * Names reserved for documentation and tests (RFC 2606, RFC 6761): no receiver is ever there, so
 * a webhook to one would only pile up failed deliveries. The documented example URL is one.
 */
export function placeholderHost(host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  return /(^|\.)(example|invalid|test)$/.test(name) || /(^|\.)example\.(com|net|org)$/.test(name);
}
