/**
 * IP address checks and CIDR arithmetic (IPv4 and IPv6), shared by capture, filter chains, policies and address
 * allocation.
 */

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/** An IPv4 or IPv6 address (not a hostname). */
export function isIpAddress(text: string): boolean {
  return ipv4ToNumber(text) !== undefined || (text.includes(':') && /^[0-9a-fA-F:.]+$/.test(text));
}

/** The IPv4 address as a number, or undefined when it is not a valid IPv4 address. */
export function ipv4ToNumber(ip: string): number | undefined {
  if (!IPV4.test(ip)) return undefined;
  const parts = ip.split('.').map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return parts.reduce((n, p) => n * 256 + p, 0);
}

export function numberToIpv4(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

/**
 * The IPv6 address as a 128-bit number, or undefined when it is not a valid IPv6 address (an embedded IPv4 tail is
 * allowed).
 */
export function ipv6ToBigInt(ip: string): bigint | undefined {
  if (!ip.includes(':') || !/^[0-9a-fA-F:.]+$/.test(ip)) return undefined;
  let text = ip;
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    const v4 = ipv4ToNumber(tail);
    if (v4 === undefined) return undefined;
    text = `${text.slice(0, lastColon + 1)}${Math.floor(v4 / 65536).toString(16)}:${(v4 % 65536).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (part: string | undefined) => (part ? part.split(':') : []);
  const head = groups(halves[0]);
  const rest = groups(halves[1]);
  const missing = 8 - head.length - rest.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const all = [...head, ...Array<string>(halves.length === 1 ? 0 : missing).fill('0'), ...rest];
  let value = 0n;
  for (const group of all) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return undefined;
    value = (value << 16n) | BigInt(parseInt(group, 16));
  }
  return value;
}

/** An address as a number with its width in bits (32 or 128), or undefined for a non-address. */
function addressBits(ip: string): { value: bigint; width: number } | undefined {
  const v4 = ipv4ToNumber(ip);
  if (v4 !== undefined) return { value: BigInt(v4), width: 32 };
  const v6 = ipv6ToBigInt(ip);
  return v6 !== undefined ? { value: v6, width: 128 } : undefined;
}

function parseCidr(cidr: string): { value: bigint; width: number; bits: number } | undefined {
  const [base = '', bitsText, extra] = cidr.split('/');
  const address = addressBits(base);
  if (!address || extra !== undefined) return undefined;
  const bits = bitsText === undefined ? address.width : /^\d+$/.test(bitsText) ? Number(bitsText) : NaN;
  if (!Number.isInteger(bits) || bits < 0 || bits > address.width) return undefined;
  return { ...address, bits };
}

/** Whether the text is a CIDR (address/bits) of either family. */
export function isCidr(text: string): boolean {
  return text.includes('/') && parseCidr(text) !== undefined;
}

/** The address of a CIDR that covers one address only (/32, or /128 for IPv6), else undefined. */
export function singleAddressOfCidr(text: string): string | undefined {
  const range = parseCidr(text);
  return range && text.includes('/') && range.bits === range.width ? text.slice(0, text.indexOf('/')) : undefined;
}

const masked = (value: bigint, width: number, bits: number) => (value >> BigInt(width - bits)) << BigInt(width - bits);

/**
 * The prefix length of `cidr` (a bare address counts as /32 or /128) when it contains `ip`, else undefined. IPv4 and
 * IPv6; an address of the other family never matches.
 */
export function cidrMatch(cidr: string, ip: string): number | undefined {
  const range = parseCidr(cidr);
  const address = addressBits(ip);
  if (!range || !address || range.width !== address.width) return undefined;
  return masked(range.value, range.width, range.bits) === masked(address.value, address.width, range.bits)
    ? range.bits
    : undefined;
}

/**
 * A CIDR reduced to its network, so that ranges equal after masking compare equal: `1.2.3.4/8` and `1.5.6.7/8` are
 * both `1.0.0.0/8` (pilot/pkg/networking/core/listener.go: conflictsWith; pilot/pkg/networking/util: AddrStrToPrefix).
 * Text that is not a CIDR is returned unchanged.
 */
export function canonicalCidr(cidr: string): string {
  const range = parseCidr(cidr);
  if (!range) return cidr;
  const network = masked(range.value, range.width, range.bits);
  if (range.width === 32) return `${numberToIpv4(Number(network))}/${range.bits}`;
  const groups: string[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(((network >> shift) & 0xffffn).toString(16));
  return `${groups.join(':')}/${range.bits}`;
}
