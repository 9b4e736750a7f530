import { describe, expect, it } from 'vitest';
import { canonicalCidr, cidrMatch, ipv4ToNumber, isIpAddress } from './ip.ts';

describe('IP addresses and CIDRs', () => {
  it('tells addresses from hostnames and rejects out-of-range IPv4', () => {
    expect([
      isIpAddress('10.0.0.1'),
      isIpAddress('fd00::1'),
      isIpAddress('::ffff:1.2.3.4'),
      isIpAddress('reviews'),
      isIpAddress('a.b.c.d'),
    ]).toEqual([true, true, true, false, false]);
    expect([ipv4ToNumber('0.0.1.2'), ipv4ToNumber('256.0.0.1'), ipv4ToNumber('fd00::1')]).toEqual([
      258,
      undefined,
      undefined,
    ]);
  });

  it('gives the prefix length of a containing CIDR, a bare address counting as /32, and nothing otherwise', () => {
    expect(cidrMatch('10.96.0.0/12', '10.100.3.4')).toBe(12);
    expect(cidrMatch('10.96.0.0/16', '10.97.0.1')).toBeUndefined();
    expect(cidrMatch('10.0.0.7', '10.0.0.7')).toBe(32);
    expect(cidrMatch('0.0.0.0/0', '203.0.113.9')).toBe(0);
    expect([
      cidrMatch('10.0.0.0/33', '10.0.0.1'),
      cidrMatch('nonsense', '10.0.0.1'),
      cidrMatch('10.0.0.0/8', 'fd00::1'),
    ]).toEqual([undefined, undefined, undefined]);
  });
  it('matches IPv6 ranges and reduces a range to its network', () => {
    expect(cidrMatch('1234::/16', '1234:1f1::9')).toBe(16);
    expect(cidrMatch('2001:db8::1', '2001:db8:0:0::1')).toBe(128);
    expect(cidrMatch('::ffff:10.0.0.0/104', '::ffff:10.1.2.3')).toBe(104);
    expect([
      cidrMatch('1234::/16', '1235::1'),
      cidrMatch('1234::/16', '10.0.0.1'),
      cidrMatch('1::2::3/8', '1::'),
    ]).toEqual([undefined, undefined, undefined]);
    expect(canonicalCidr('1234:1f1:123:123:f816:3eff:feb8:2287/32')).toBe('1234:1f1:0:0:0:0:0:0/32');
    expect(canonicalCidr('10.8.0.9/24')).toBe('10.8.0.0/24');
    expect(canonicalCidr('not-a-cidr')).toBe('not-a-cidr');
  });
});
