/** IP address checks and IPv4 CIDR arithmetic, shared by capture, filter chains, policies and address allocation. */

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/** An IPv4 or IPv6 address (not a hostname). */
export function isIpAddress(text: string): boolean {
  return IPV4.test(text) || (text.includes(':') && /^[0-9a-fA-F:.]+$/.test(text));
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

/** The prefix length of `cidr` (a bare address counts as /32) when it contains `ip`, else undefined. IPv4 only. */
export function cidrMatch(cidr: string, ip: string): number | undefined {
  const [base = '', bitsText] = cidr.split('/');
  const bits = bitsText === undefined ? 32 : Number(bitsText);
  const start = ipv4ToNumber(base);
  const address = ipv4ToNumber(ip);
  if (start === undefined || address === undefined || !Number.isInteger(bits) || bits < 0 || bits > 32)
    return undefined;
  const size = 2 ** (32 - bits);
  return Math.floor(address / size) === Math.floor(start / size) ? bits : undefined;
}
