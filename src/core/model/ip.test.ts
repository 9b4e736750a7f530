import { describe, expect, it } from 'vitest';
import { cidrMatch, ipv4ToNumber, isIpAddress } from './ip.ts';

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
});
