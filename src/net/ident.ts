import type { Rng } from '../sim/index.js';
import type { Ip4 } from '../wire/index.js';

/**
 * IPv4 identification for packets the namespace sends without a connected socket (ip_select_ident):
 * a counter per destination that starts at a random value, so IDs look like Linux's — varying, non-zero,
 * consecutive towards one peer.
 */
export class IpIdent {
  private readonly next = new Map<Ip4, number>();

  /** The namespace's stream (Ipv4Stack makes the IpIdent at the first packet it numbers). */
  constructor(private readonly stream: Rng) {}

  take(dst: Ip4): number {
    let id = this.next.get(dst);
    if (id === undefined) id = this.stream.int(1, 0xffff);
    this.next.set(dst, (id + 1) & 0xffff);
    return id;
  }
}
