/**
 * `-m recent` lists (net/netfilter/xt_recent.c) of one namespace: per list name, the addresses seen with
 * the times they were seen (the newest `ip_pkt_list_tot` = 20 stamps each, at most `ip_list_tot` = 100
 * addresses, the least recently updated evicted first). kube-proxy's ClientIP session affinity is
 * `--set` in the endpoint chain and `--rcheck --seconds N --reap` in the service chain.
 */
import { SECOND } from '../sim/index.js';
import type { Ip4 } from '../wire/index.js';
import type { Match } from './rule.js';

/** xt_recent module parameters (defaults). */
const IP_LIST_TOT = 100;
const IP_PKT_LIST_TOT = 20;

type RecentMatch = Extract<Match, { kind: 'recent' }>;

/** The lists of one namespace. */
export class RecentLists {
  /** Name → (address → stamps, oldest first); Map order is the LRU order (re-inserted on update). */
  private readonly lists = new Map<string, Map<Ip4, number[]>>();

  /** recent_mt: whether the packet from `src` to `dst` matches `m` at `now` (the `!` not applied). */
  test(m: RecentMatch, src: Ip4, dst: Ip4, now: number): boolean {
    const addr = ((m.side === 'rdest' ? dst : src) & m.mask) >>> 0;
    let list = this.lists.get(m.name);
    if (list === undefined) {
      list = new Map();
      this.lists.set(m.name, list);
    }
    const stamps = list.get(addr);
    if (stamps === undefined) {
      if (m.op !== 'set') return false;
      if (list.size >= IP_LIST_TOT) {
        const oldest = list.keys().next();
        if (oldest.done !== true) list.delete(oldest.value);
      }
      list.set(addr, [now]);
      return true;
    }
    let hit = false;
    if (m.op === 'set') hit = true;
    else if (m.op === 'remove') {
      list.delete(addr);
      return true;
    } else {
      const since = m.seconds === undefined ? undefined : now - m.seconds * SECOND;
      for (const t of stamps) {
        if (since !== undefined && since > t) continue;
        hit = true;
        break;
      }
      // --reap: forget the address when even its newest stamp is older than --seconds.
      if (m.reap && since !== undefined && since > (stamps[stamps.length - 1] ?? 0)) {
        list.delete(addr);
        return hit;
      }
    }
    if (m.op === 'set' || (m.op === 'update' && hit)) {
      stamps.push(now);
      if (stamps.length > IP_PKT_LIST_TOT) stamps.shift();
      list.delete(addr);
      list.set(addr, stamps);
    }
    return hit;
  }

  /** Addresses of list `name` with their stamps (ns), for inspection (/proc/net/xt_recent/NAME). */
  entries(name: string): ReadonlyMap<Ip4, readonly number[]> {
    return this.lists.get(name) ?? new Map();
  }
}
