/**
 * The API server's allocators for Service ClusterIPs and NodePorts (pkg/registry/core/service/ipallocator
 * and portallocator). Both split their range in two (KEP-3070): a lower band kept for addresses and ports
 * users ask for by value, and an upper band dynamic allocation prefers. A dynamic allocation starts at a
 * random offset in the upper band and walks forward to the first free value, wrapping once; only a full
 * upper band falls back to the lower one. The randomness comes from the seeded stream the caller passes.
 */

import type { Rng } from '../sim/index.js';
import type { Ip4 } from '../wire/index.js';

/** `min(max(lo, size/step), hi)`, 0 for tiny ranges: the size of the static band (calculateRangeOffset). */
export function staticBand(size: number, lo: number, hi: number, step: number): number {
  if (size <= lo) return 0;
  return Math.min(Math.max(lo, Math.floor(size / step)), hi);
}

/** A range of integers [first, last] with the KEP-3070 band split and a set of values in use. */
class BandedRange {
  private readonly used = new Set<number>();
  private readonly offset: number;

  constructor(
    private readonly first: number,
    private readonly last: number,
    band: number,
    private readonly rng: Rng,
  ) {
    this.offset = Math.min(band, last - first + 1);
  }

  contains(v: number): boolean {
    return v >= this.first && v <= this.last;
  }

  /** Reserves `v`; false when it is out of range or already taken (ErrNotInRange / ErrAllocated). */
  take(v: number): boolean {
    if (!this.contains(v) || this.used.has(v)) return false;
    this.used.add(v);
    return true;
  }

  release(v: number): void {
    this.used.delete(v);
  }

  /** The next free value: upper band from a random start, then the lower band; undefined when full. */
  next(): number | undefined {
    const upperFirst = this.first + this.offset;
    const found = this.scan(upperFirst, this.last);
    if (found !== undefined || this.offset === 0) return found;
    return this.scan(this.first, upperFirst - 1);
  }

  private scan(lo: number, hi: number): number | undefined {
    const n = hi - lo + 1;
    if (n <= 0) return undefined;
    const start = this.rng.int(0, n - 1);
    for (let i = 0; i < n; i++) {
      const v = lo + ((start + i) % n);
      if (!this.used.has(v)) {
        this.used.add(v);
        return v;
      }
    }
    return undefined;
  }
}

/**
 * ClusterIPs from the service CIDR: never the network or broadcast address; the static band is
 * min(max(16, size/16), 256) addresses above the network address (so 10.96.0.1–10.96.1.0 for /12).
 */
export class ClusterIpAllocator {
  private readonly range: BandedRange;
  /** The CIDR's first usable address, which the `kubernetes` Service always gets. */
  readonly firstIp: Ip4;

  constructor(network: Ip4, prefixLen: number, rng: Rng) {
    const size = 2 ** (32 - prefixLen);
    this.firstIp = network + 1;
    this.range = new BandedRange(network + 1, network + size - 2, staticBand(size, 16, 256, 16), rng);
  }

  take(ip: Ip4): boolean {
    return this.range.take(ip);
  }

  release(ip: Ip4): void {
    this.range.release(ip);
  }

  next(): Ip4 | undefined {
    return this.range.next();
  }
}

/** NodePorts from --service-node-port-range (30000–32767): static band min(max(16, size/32), 128). */
export class NodePortAllocator {
  private readonly range: BandedRange;

  constructor(rng: Rng, first = 30000, last = 32767) {
    const size = last - first + 1;
    this.range = new BandedRange(first, last, staticBand(size, 16, 128, 32), rng);
  }

  take(port: number): boolean {
    return this.range.take(port);
  }

  release(port: number): void {
    this.range.release(port);
  }

  next(): number | undefined {
    return this.range.next();
  }
}
