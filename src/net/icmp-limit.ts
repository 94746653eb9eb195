import { SECOND } from '../sim/index.js';
import type { Ip4 } from '../wire/index.js';
import { ICMP } from './defaults.js';

/** ICMP types subject to net.ipv4.icmp_ratemask (default 6168 = 0x1818: 3, 4, 11, 12). */
const RATEMASK = 0x1818;

/**
 * Per-destination token bucket for ICMP errors (icmpv4_xrlim_allow → inet_peer_xrlim_allow). A new peer
 * starts with a full bucket of 6 × icmp_ratelimit; each error costs one icmp_ratelimit worth of tokens.
 * Fragmentation-needed is never limited (PMTU discovery must not stall).
 */
export class IcmpRateLimit {
  /** Made with the limiter, which Ipv4Stack makes at the first error it considers. */
  private readonly peers = new Map<Ip4, { tokens: number; last: number }>();

  /** icmpv4_xrlim_allow: may an error of this type go to `dst` now? */
  allow(now: number, dst: Ip4, type: number, code: number): boolean {
    if (type > 31 || ((RATEMASK >>> type) & 1) === 0) return true;
    if (type === 3 && code === 4) return true;
    return this.take(now, dst, ICMP.ratelimitNs, ICMP.burstFactor * ICMP.ratelimitNs);
  }

  /**
   * ip_error's own gate before it even calls icmp_send (ip_rt_error_cost 1 s, ip_rt_error_burst 5 s) on
   * the same per-peer tokens: an unroutable packet costs two seconds of tokens, so a fresh peer gets
   * only two "net unreachable" answers in a burst (seen on Linux 6.18 with traceroute, OBSERVED.md).
   */
  allowRouteError(now: number, dst: Ip4): boolean {
    return this.take(now, dst, ICMP.routeErrorCostNs, ICMP.routeErrorBurstNs);
  }

  /** inet_peer_xrlim_allow: refill by elapsed time up to `burst`, then pay `cost` if there is enough. */
  private take(now: number, dst: Ip4, cost: number, burst: number): boolean {
    let p = this.peers.get(dst);
    if (p === undefined) {
      // inet_getpeer starts a peer as if last seen a minute ago: a full bucket.
      p = { tokens: 0, last: now - 60 * SECOND };
      this.peers.set(dst, p);
    }
    let tokens = p.tokens + (now - p.last);
    p.last = now;
    if (tokens > burst) tokens = burst;
    let ok = false;
    if (tokens >= cost) {
      tokens -= cost;
      ok = true;
    }
    p.tokens = tokens;
    return ok;
  }
}
