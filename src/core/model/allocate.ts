import { ipv4ToNumber, numberToIpv4 } from './ip.ts';

/** FNV-1a, 32 bits: a stable hash, so that generated names and addresses do not move when other objects change. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

// The alphabet Kubernetes uses for generated name suffixes (k8s.io/apimachinery/pkg/util/rand: SafeEncodeString).
const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export function safeSuffix(seed: string, length: number): string {
  let out = '';
  let hash = fnv1a(seed);
  for (let i = 0; i < length; i++) {
    if (hash < SAFE_ALPHABET.length) hash = fnv1a(`${seed}#${i}`);
    out += SAFE_ALPHABET[hash % SAFE_ALPHABET.length];
    hash = Math.floor(hash / SAFE_ALPHABET.length);
  }
  return out;
}

/**
 * Hands out IPv4 addresses from a CIDR, stable per key (hash, then the next free one), never one already in use.
 * Used for pod IPs and ClusterIPs the manifests do not give.
 */
export class AddressAllocator {
  private readonly used = new Set<string>();
  private readonly base: number;
  private readonly size: number;

  constructor(
    cidr: string,
    private readonly reservedLow = 1,
  ) {
    const [ip = '0.0.0.0', bits = '16'] = cidr.split('/');
    this.size = 2 ** (32 - Number(bits));
    this.base = ipv4ToNumber(ip) ?? 0;
  }

  reserve(ip: string): void {
    this.used.add(ip);
  }

  allocate(key: string): string {
    const usable = this.size - this.reservedLow - 1;
    let offset = fnv1a(key) % usable;
    for (let tries = 0; tries < usable; tries++) {
      const candidate = numberToIpv4(this.base + this.reservedLow + offset);
      if (!this.used.has(candidate) && !candidate.endsWith('.0') && !candidate.endsWith('.255')) {
        this.used.add(candidate);
        return candidate;
      }
      offset = (offset + 1) % usable;
    }
    return numberToIpv4(this.base + this.reservedLow);
  }
}
