import type { Ip4 } from '../../../wire/index.js';
import type { IpvsDest } from '../dest.js';
import { type IpvsScheduler, type SchedPacket, type SchedService, unusable } from './types.js';

/** GOLDEN_RATIO_32 of include/linux/hash.h. */
export const GOLDEN_RATIO_32 = 0x61c88647;

/**
 * hash_32(val, bits) of include/linux/hash.h (the generic version; x86 has no arch override):
 * `val * GOLDEN_RATIO_32` in 32 bits, keeping the top `bits` bits. `val` is taken modulo 2^32.
 */
export function hash32(val: number, bits: number): number {
  return Math.imul(val, GOLDEN_RATIO_32) >>> (32 - bits);
}

/** IP_VS_SH_TAB_BITS / IP_VS_DH_TAB_BITS (CONFIG default 8): 256 buckets. */
export const HASH_TAB_BITS = 8;
export const HASH_TAB_SIZE = 1 << HASH_TAB_BITS;
const HASH_TAB_MASK = HASH_TAB_SIZE - 1;

/**
 * ip_vs_sh_hashkey: `(offset + hash_32(ntohs(port) + ntohl(addr), 8)) & 255` — the sum is a u32
 * addition, the port is 0 unless the service has sh-port. (Kernels before hash_32 used
 * `(ntohl(addr) * 2654435761) & 255`.)
 */
export function shHashKey(addr: Ip4, port: number, offset: number): number {
  return (offset + hash32(addr + port, HASH_TAB_BITS)) & HASH_TAB_MASK;
}

/** ip_vs_dh_hashkey: `hash_32(ntohl(daddr), 8)`. */
export function dhHashKey(addr: Ip4): number {
  return hash32(addr, HASH_TAB_BITS);
}

/** A 256-bucket table of dests, filled from the list by `fill` on every list change. */
abstract class BucketTable implements IpvsScheduler {
  abstract readonly name: 'sh' | 'dh';
  /** Bucket contents; empty while the service has no dests. */
  readonly buckets: Array<IpvsDest | undefined> = new Array<IpvsDest | undefined>(HASH_TAB_SIZE);

  init(svc: SchedService): void {
    this.fill(svc);
  }
  addDest(svc: SchedService): void {
    this.fill(svc);
  }
  delDest(svc: SchedService): void {
    this.fill(svc);
  }
  abstract updDest(svc: SchedService): void;
  abstract schedule(svc: SchedService, pkt: SchedPacket): IpvsDest | undefined;

  /** Bucket i gets the list's dests in turn, each for `span(dest)` consecutive buckets, wrapping. */
  protected fillBy(svc: SchedService, span: (d: IpvsDest) => number): void {
    const dests = svc.dests;
    let p = 0;
    let count = 0;
    for (let i = 0; i < HASH_TAB_SIZE; i++) {
      if (dests.length === 0) {
        this.buckets[i] = undefined;
        continue;
      }
      if (p === dests.length) p = 0;
      const d = dests[p] as IpvsDest;
      this.buckets[i] = d;
      if (++count >= span(d)) {
        p++;
        count = 0;
      }
    }
  }

  protected abstract fill(svc: SchedService): void;
}

/**
 * sh (ip_vs_sh.c), source hashing. ip_vs_sh_reassign gives each dest `weight` consecutive buckets (a
 * weight-0 dest still one); the bucket is chosen by the client address (and port with sh-port). An
 * unusable dest in the bucket means no destination — unless sh-fallback, which walks buckets
 * `(2·ihash + offset) & 255` for offset 0… (the kernel adds the offset to the already offset hash).
 */
export class SourceHashing extends BucketTable {
  readonly name = 'sh';

  updDest(svc: SchedService): void {
    this.fill(svc);
  }

  protected fill(svc: SchedService): void {
    this.fillBy(svc, (d) => d.weight);
  }

  schedule(svc: SchedService, pkt: SchedPacket): IpvsDest | undefined {
    const port = svc.shPort ? pkt.srcPort : 0;
    const ihash = shHashKey(pkt.src, port, 0);
    const first = this.buckets[ihash];
    if (first === undefined) return undefined;
    if (!unusable(first)) return first;
    if (!svc.shFallback) return undefined;
    for (let offset = 0; offset < HASH_TAB_SIZE; offset++) {
      const roffset = (offset + ihash) % HASH_TAB_SIZE;
      const d = this.buckets[shHashKey(pkt.src, port, roffset)];
      if (d === undefined) return undefined;
      if (!unusable(d)) return d;
    }
    return undefined;
  }
}

/**
 * dh (ip_vs_dh.c), destination hashing: bucket i holds the i-th dest of the list, cyclic (no weights),
 * chosen by the packet's destination — the virtual address itself for a NAT service.
 */
export class DestinationHashing extends BucketTable {
  readonly name = 'dh';

  /** dh has no upd_dest hook: a weight change does not refill the table. */
  updDest(): void {}

  protected fill(svc: SchedService): void {
    this.fillBy(svc, () => 1);
  }

  schedule(_svc: SchedService, pkt: SchedPacket): IpvsDest | undefined {
    const d = this.buckets[dhHashKey(pkt.dst)];
    if (d === undefined || !d.available || unusable(d)) return undefined;
    return d;
  }
}
