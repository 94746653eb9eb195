import type { Rng } from '../sim/index.js';
import type { Ip4 } from '../wire/index.js';

/**
 * IPv4 identification for packets the namespace sends without a connected socket (ip_select_ident):
 * a counter per destination that starts at a random value, so IDs look like Linux's — varying, non-zero,
 * consecutive towards one peer.
 */
export class IpIdent {
  private readonly next = new Map<Ip4, number>();

  constructor(private readonly rng: Rng) {}

  take(dst: Ip4): number {
    let id = this.next.get(dst);
    if (id === undefined) id = this.rng.int(1, 0xffff);
    this.next.set(dst, (id + 1) & 0xffff);
    return id;
  }
}
