import type { IpvsDest } from '../dest.js';
import { type IpvsScheduler, type SchedService, unusable } from './types.js';

/** The stateless schedulers: nothing to keep when the list changes. */
abstract class Stateless implements IpvsScheduler {
  abstract readonly name: 'lc' | 'wlc' | 'sed' | 'nq';
  init(): void {}
  addDest(): void {}
  delDest(): void {}
  updDest(): void {}
  abstract schedule(svc: SchedService): IpvsDest | undefined;
}

/**
 * The first usable dest, then every later one that is strictly less loaded by `load(d)/weight` —
 * compared as `load(least)·w(d) > load(d)·w(least)` without division, so ties keep the earlier dest.
 * The second loop skips only overloaded dests: a weight-0 dest can never win the comparison (its side is 0).
 * This is the loop of ip_vs_wlc.c, ip_vs_sed.c and the lblc/lblcr fallbacks.
 */
export function leastWeighted(
  dests: readonly IpvsDest[],
  load: (d: IpvsDest) => number,
): IpvsDest | undefined {
  let i = 0;
  let least: IpvsDest | undefined;
  for (; i < dests.length; i++) {
    const d = dests[i] as IpvsDest;
    if (!unusable(d)) {
      least = d;
      break;
    }
  }
  if (least === undefined) return undefined;
  let loh = load(least);
  for (i++; i < dests.length; i++) {
    const d = dests[i] as IpvsDest;
    if (d.overloaded) continue;
    const doh = load(d);
    if (loh * d.weight > doh * least.weight) {
      least = d;
      loh = doh;
    }
  }
  return least;
}

const overhead = (d: IpvsDest): number => d.overhead;
/** ip_vs_sed_dest_overhead / ip_vs_nq_dest_overhead: only active connections, plus the new one. */
const expectedDelay = (d: IpvsDest): number => d.activeConns + 1;

/** lc (ip_vs_lc.c): minimum overhead `(active << 8) + inactive`; the weight only excludes 0. */
export class LeastConnection extends Stateless {
  readonly name = 'lc';
  schedule(svc: SchedService): IpvsDest | undefined {
    let least: IpvsDest | undefined;
    let loh = 0;
    for (const d of svc.dests) {
      if (d.overloaded || d.weight === 0) continue;
      const doh = d.overhead;
      if (least === undefined || doh < loh) {
        least = d;
        loh = doh;
      }
    }
    return least;
  }
}

/** wlc (ip_vs_wlc.c), ipvsadm's default: minimum overhead / weight. */
export class WeightedLeastConnection extends Stateless {
  readonly name = 'wlc';
  schedule(svc: SchedService): IpvsDest | undefined {
    return leastWeighted(svc.dests, overhead);
  }
}

/** sed (ip_vs_sed.c), shortest expected delay: minimum (active + 1) / weight. */
export class ShortestExpectedDelay extends Stateless {
  readonly name = 'sed';
  schedule(svc: SchedService): IpvsDest | undefined {
    return leastWeighted(svc.dests, expectedDelay);
  }
}

/** nq (ip_vs_nq.c), never queue: the first idle dest (no active connection), else as sed. */
export class NeverQueue extends Stateless {
  readonly name = 'nq';
  schedule(svc: SchedService): IpvsDest | undefined {
    let least: IpvsDest | undefined;
    let loh = 0;
    for (const d of svc.dests) {
      if (d.overloaded || d.weight === 0) continue;
      const doh = expectedDelay(d);
      if (d.activeConns === 0) return d;
      if (least === undefined || loh * d.weight > doh * least.weight) {
        least = d;
        loh = doh;
      }
    }
    return least;
  }
}
