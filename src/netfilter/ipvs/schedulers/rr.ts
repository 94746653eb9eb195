import type { IpvsDest } from '../dest.js';
import { type IpvsScheduler, type SchedService, unusable } from './types.js';

/**
 * rr (ip_vs_rr.c): the dest after the one used last, cyclic, skipping weight-0 and overloaded ones. The
 * kernel keeps a pointer to the last list node (initially the list head); here its index, -1 for the
 * head, kept pointing at the same dest as the list grows at the front or loses entries. del_dest moves a
 * pointer to a removed dest back to the entry before it.
 */
export class RoundRobin implements IpvsScheduler {
  readonly name = 'rr';
  private last = -1;

  init(): void {
    this.last = -1;
  }

  addDest(): void {
    if (this.last >= 0) this.last++;
  }

  delDest(_svc: SchedService, _dest: IpvsDest, index: number): void {
    if (index <= this.last) this.last--;
  }

  updDest(): void {}

  schedule(svc: SchedService): IpvsDest | undefined {
    const dests = svc.dests;
    const n = dests.length;
    // From the head: one pass; from a node: to the end, then from the start up to and including it.
    const start = this.last < n ? this.last : -1;
    for (let k = 1; k <= n; k++) {
      const i = (start + k) % n;
      const d = dests[i] as IpvsDest;
      if (!unusable(d)) {
        this.last = i;
        return d;
      }
    }
    return undefined;
  }
}
