import type { Ip4 } from '../../../wire/index.js';
import { LBLC_EXPIRATION } from '../defaults.js';
import type { IpvsDest } from '../dest.js';
import { leastWeighted } from './least.js';
import type { IpvsScheduler, SchedPacket, SchedService } from './types.js';

const overhead = (d: IpvsDest): number => d.overhead;

/**
 * is_overloaded of ip_vs_lblc.c / ip_vs_lblcr.c: more active connections than its weight while some dest
 * of the service has fewer than half its weight.
 */
function isOverloaded(dest: IpvsDest, svc: SchedService): boolean {
  if (dest.activeConns <= dest.weight) return false;
  for (const d of svc.dests) if (d.activeConns * 2 < d.weight) return true;
  return false;
}

/**
 * A cache entry's lifetime. The kernel drops entries unused for `lblc_expiration` (24 h) in a full check
 * its 60 s timer runs every 30 minutes (and, beyond 16384 entries, ones unused for 6 min); podwire drops
 * an entry lazily when it is looked up `LBLC_EXPIRATION` after its last use — up to 30 min earlier than
 * the kernel's timer would.
 */
function stale(lastUse: number, now: number): boolean {
  return now - lastUse >= LBLC_EXPIRATION;
}

interface LblcEntry {
  dest: IpvsDest;
  lastUse: number;
}

/**
 * lblc (ip_vs_lblc.c), locality-based least connection: a cache from destination address to dest; the
 * cached dest is reused while it is available, has a positive weight and is not overloaded, otherwise
 * the weighted least-connection dest is chosen and cached.
 */
export class LocalityLeastConnection implements IpvsScheduler {
  readonly name = 'lblc';
  private readonly cache = new Map<Ip4, LblcEntry>();

  init(): void {
    this.cache.clear();
  }
  addDest(): void {}
  delDest(): void {}
  updDest(): void {}

  schedule(svc: SchedService, pkt: SchedPacket, now: number): IpvsDest | undefined {
    const en = this.cache.get(pkt.dst);
    if (en !== undefined && stale(en.lastUse, now)) this.cache.delete(pkt.dst);
    else if (en !== undefined) {
      en.lastUse = now;
      const d = en.dest;
      if (d.available && d.weight > 0 && !isOverloaded(d, svc)) return d;
    }
    const dest = leastWeighted(svc.dests, overhead);
    if (dest === undefined) return undefined;
    // ip_vs_lblc_new: a different dest replaces the entry (and restarts its lastuse).
    if (en === undefined || en.dest !== dest || stale(en.lastUse, now)) {
      this.cache.set(pkt.dst, { dest, lastUse: now });
    }
    return dest;
  }

  /** The cached dest for a destination address (for tests and `trace`). */
  cached(dst: Ip4): IpvsDest | undefined {
    return this.cache.get(dst)?.dest;
  }
}

interface LblcrEntry {
  /** The destination set, most recently inserted first (list_add_rcu). */
  readonly set: IpvsDest[];
  /** When the set last changed (set->lastmod). */
  lastMod: number;
  lastUse: number;
}

/** ip_vs_dest_set_min: weighted least-connection member that is available and not overloaded. */
function setMin(set: readonly IpvsDest[]): IpvsDest | undefined {
  let i = 0;
  let least: IpvsDest | undefined;
  for (; i < set.length; i++) {
    const d = set[i] as IpvsDest;
    if (d.overloaded) continue;
    if (d.weight > 0 && d.available) {
      least = d;
      break;
    }
  }
  if (least === undefined) return undefined;
  let loh = least.overhead;
  for (i++; i < set.length; i++) {
    const d = set[i] as IpvsDest;
    if (d.overloaded) continue;
    const doh = d.overhead;
    if (loh * d.weight > doh * least.weight && d.available) {
      least = d;
      loh = doh;
    }
  }
  return least;
}

/** ip_vs_dest_set_max: weighted most-connection member with a positive weight. */
function setMax(set: readonly IpvsDest[]): IpvsDest | undefined {
  let i = 0;
  let most: IpvsDest | undefined;
  for (; i < set.length; i++) {
    const d = set[i] as IpvsDest;
    if (d.weight > 0) {
      most = d;
      break;
    }
  }
  if (most === undefined) return undefined;
  let moh = most.overhead;
  for (i++; i < set.length; i++) {
    const d = set[i] as IpvsDest;
    const doh = d.overhead;
    if (moh * d.weight < doh * most.weight && d.weight > 0) {
      most = d;
      moh = doh;
    }
  }
  return most;
}

/**
 * lblcr (ip_vs_lblcr.c), locality-based least connection with replication: a cache from destination
 * address to a *set* of dests. The least-loaded member is used unless it is overloaded; then the
 * service's weighted least-connection dest is added to the set and used. When the set has more than one
 * member and has not changed for `lblcr_expiration` (24 h), its most-loaded member is dropped — at
 * schedule time, as the kernel does it.
 */
export class LocalityLeastConnectionReplicated implements IpvsScheduler {
  readonly name = 'lblcr';
  private readonly cache = new Map<Ip4, LblcrEntry>();

  init(): void {
    this.cache.clear();
  }
  addDest(): void {}
  delDest(): void {}
  updDest(): void {}

  schedule(svc: SchedService, pkt: SchedPacket, now: number): IpvsDest | undefined {
    let en = this.cache.get(pkt.dst);
    if (en !== undefined && stale(en.lastUse, now)) {
      this.cache.delete(pkt.dst);
      en = undefined;
    }
    if (en === undefined) {
      const dest = leastWeighted(svc.dests, overhead);
      if (dest === undefined) return undefined;
      this.cache.set(pkt.dst, { set: [dest], lastMod: now, lastUse: now });
      return dest;
    }
    en.lastUse = now;
    const min = setMin(en.set);
    if (en.set.length > 1 && now > en.lastMod + LBLC_EXPIRATION) {
      const m = setMax(en.set);
      if (m !== undefined) {
        en.set.splice(en.set.indexOf(m), 1);
        en.lastMod = now;
      }
    }
    if (min !== undefined && !isOverloaded(min, svc)) return min;
    const dest = leastWeighted(svc.dests, overhead);
    if (dest === undefined) return undefined;
    if (!en.set.includes(dest)) {
      en.set.unshift(dest);
      en.lastMod = now;
    }
    return dest;
  }

  /** The destination set cached for a destination address, most recently added first. */
  cachedSet(dst: Ip4): readonly IpvsDest[] {
    return this.cache.get(dst)?.set ?? [];
  }
}
