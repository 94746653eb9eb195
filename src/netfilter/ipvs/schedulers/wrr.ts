import type { IpvsDest } from '../dest.js';
import type { IpvsScheduler, SchedService } from './types.js';

function gcd(a: number, b: number): number {
  while (b !== 0) {
    const t = a % b;
    a = b;
    b = t;
  }
  return a;
}

/**
 * wrr (ip_vs_wrr.c): interleaved weighted round robin. State is the kernel's ip_vs_wrr_mark: `cl` the
 * current dest (an index, -1 for the list head), `cw` the current weight, `mw` the maximum weight less
 * (di − 1), `di` the gcd of the positive weights. Passes walk the list choosing dests with weight ≥ cw;
 * at the end of the list cw drops by di, and below 1 it restarts at mw. Every list change resets `cl` to
 * the head and adjusts `cw` as ip_vs_wrr_dest_changed does — so the sequence depends on the order dests
 * were added, as on a real kernel.
 */
export class WeightedRoundRobin implements IpvsScheduler {
  readonly name = 'wrr';
  private cl = -1;
  private cw = 0;
  private mw = 0;
  private di = 1;

  /** ip_vs_wrr_init_svc: like a list change, with cw starting at mw. */
  init(svc: SchedService): void {
    this.cw = 0;
    this.changed(svc);
  }

  addDest(svc: SchedService): void {
    this.changed(svc);
  }

  delDest(svc: SchedService): void {
    this.changed(svc);
  }

  updDest(svc: SchedService): void {
    this.changed(svc);
  }

  /** ip_vs_wrr_dest_changed. */
  private changed(svc: SchedService): void {
    let g = 0;
    let max = 0;
    for (const d of svc.dests) {
      if (d.weight > 0) g = g > 0 ? gcd(d.weight, g) : d.weight;
      if (d.weight > max) max = d.weight;
    }
    this.cl = -1;
    this.di = g > 0 ? g : 1;
    this.mw = max - (this.di - 1);
    if (this.cw > this.mw || this.cw === 0) this.cw = this.mw;
    else if (this.di > 1) this.cw = Math.trunc(this.cw / this.di) * this.di + 1;
  }

  /** ip_vs_wrr_schedule, including its `last_pass`/`stop` guard against looping forever. */
  schedule(svc: SchedService): IpvsDest | undefined {
    const dests = svc.dests;
    const n = dests.length;
    if (this.cl >= n) this.cl = -1;
    if (this.mw === 0) return undefined;
    let dest = this.cl;
    const last = dest;
    let stop = -2;
    let lastPass = false;
    let restarted = false;
    for (;;) {
      for (let i = dest + 1; i < n; i++) {
        const d = dests[i] as IpvsDest;
        if (!d.overloaded && d.weight >= this.cw) {
          this.cl = i;
          return d;
        }
        if (i === stop) {
          this.cl = i;
          return undefined;
        }
      }
      dest = -1;
      this.cw -= this.di;
      if (this.cw <= 0) {
        this.cw = this.mw;
        if (lastPass || last === -1) {
          this.cl = -1;
          return undefined;
        }
        restarted = true;
      }
      lastPass = this.cw <= this.di;
      if (lastPass && restarted && last !== -1) stop = last;
    }
  }
}
