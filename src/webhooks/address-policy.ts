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

/** `::ffff:169.254.169.254` and friends are IPv4 addresses in IPv6 clothing: judge the IPv4 one. */
function unwrapMapped(address: string): { address: string; family: 'ipv4' | 'ipv6' } {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return { address: mapped[1], family: 'ipv4' };
  const hexMapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (hexMapped) {
    const value = (parseInt(hexMapped[1], 16) << 16) | parseInt(hexMapped[2], 16);
    return {
      address: [24, 16, 8, 0].map((shift) => (value >>> shift) & 255).join('.'),
      family: 'ipv4',
    };
  }
  return { address, family: isIP(address) === 6 ? 'ipv6' : 'ipv4' };
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
  if (isIP(address) === 0) return `${address} is not an IP address`;
  const { address: ip, family } = unwrapMapped(address.toLowerCase());
  if (ALWAYS_REFUSED.check(ip, family)) {
    return `address ${address} is link-local, metadata, multicast or unspecified, which webhooks may never reach`;
  }
  if (
    !policy.allowPrivate &&
    PRIVATE.check(ip, family) &&
    !policy.allowedHosts.includes(host.toLowerCase())
  ) {
    return `address ${address} is loopback or private, and WEBHOOK_ALLOW_PRIVATE is false (allow the host with WEBHOOK_ALLOWED_HOSTS)`;
  }
  return undefined;
}
