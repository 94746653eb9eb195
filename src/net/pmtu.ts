import { SECOND } from '../sim/index.js';
import type { Ip4 } from '../wire/index.js';

/** ip_rt_mtu_expires: a learned path MTU is forgotten after 10 minutes. */
export const PMTU_EXPIRES_NS = 600 * SECOND;
/** ip_rt_min_pmtu (net.ipv4.route.min_pmtu): smaller reported MTUs are raised to this. */
export const MIN_PMTU = 552;

/** A learned path MTU: the route exception (fib_nh_exception) `ip route get` shows as `cache expires … mtu …`. */
export interface PmtuException {
  readonly mtu: number;
  readonly expires: number;
}

/**
 * Path MTUs learned from ICMP fragmentation-needed (__ip_rt_update_pmtu), per destination. Local sends
 * use the smaller of the device MTU and the learned one, so `ping -M want` fragments from then on and
 * `-M do` fails locally with the learned MTU.
 */
export class PathMtu {
  /** Made with the table, which Ipv4Stack makes at the first frag-needed it learns from. */
  private readonly exceptions = new Map<Ip4, PmtuException>();

  /** Records what a frag-needed about a packet to `dst` said, if it lowers the path MTU. */
  learn(dst: Ip4, reported: number, deviceMtu: number, now: number): void {
    const mtu = reported < MIN_PMTU ? MIN_PMTU : reported;
    const current = this.get(dst, now)?.mtu ?? deviceMtu;
    if (mtu >= current) return;
    this.exceptions.set(dst, { mtu, expires: now + PMTU_EXPIRES_NS });
  }

  /** The live exception for `dst`, if any. */
  get(dst: Ip4, now: number): PmtuException | undefined {
    const e = this.exceptions.get(dst);
    if (e === undefined) return undefined;
    if (now < e.expires) return e;
    this.exceptions.delete(dst);
    return undefined;
  }
}
