import type { Ip4 } from '../../../wire/index.js';
import type { IpvsDest } from '../dest.js';

/** The schedulers podwire implements (the `-s` names of net/netfilter/ipvs/ip_vs_<name>.c). */
export type SchedulerName = 'rr' | 'wrr' | 'lc' | 'wlc' | 'lblc' | 'lblcr' | 'dh' | 'sh' | 'sed' | 'nq';

export const SCHEDULER_NAMES: readonly SchedulerName[] = [
  'rr',
  'wrr',
  'lc',
  'wlc',
  'lblc',
  'lblcr',
  'dh',
  'sh',
  'sed',
  'nq',
];

/** What a scheduler reads of the packet that opens a connection (struct ip_vs_iphdr + ports). */
export interface SchedPacket {
  readonly src: Ip4;
  readonly dst: Ip4;
  readonly srcPort: number;
}

/** What a scheduler reads of its service: the destination list in the kernel's order, and the sh flags. */
export interface SchedService {
  /**
   * svc->destinations: list_add_rcu puts a new dest at the head, so index 0 is the most recently added
   * dest — this order, not ipvsadm's sorted listing, is what rr/wrr/lc… walk.
   */
  readonly dests: readonly IpvsDest[];
  /** IP_VS_SVC_F_SCHED_SH_FALLBACK (`-b sh-fallback`). */
  readonly shFallback: boolean;
  /** IP_VS_SVC_F_SCHED_SH_PORT (`-b sh-port`). */
  readonly shPort: boolean;
}

/**
 * One scheduler instance per service (struct ip_vs_scheduler + svc->sched_data). The list hooks are
 * called after the service changed its list, as ip_vs_ctl.c calls add_dest / del_dest / upd_dest.
 * `schedule` returns the chosen dest or undefined ("no destination available").
 */
export interface IpvsScheduler {
  readonly name: SchedulerName;
  /** init_service: bound to a service whose list may already hold dests (a new service, or `-E -s`). */
  init(svc: SchedService): void;
  /** add_dest: `dest` has just been put at index 0. */
  addDest(svc: SchedService, dest: IpvsDest): void;
  /** del_dest: `dest` has just been removed from `index`. */
  delDest(svc: SchedService, dest: IpvsDest, index: number): void;
  /** upd_dest: weight or thresholds of `dest` changed. */
  updDest(svc: SchedService, dest: IpvsDest): void;
  schedule(svc: SchedService, pkt: SchedPacket, now: number): IpvsDest | undefined;
}

/** Excluded from new connections by every scheduler: quiesced (weight 0) or over its upper threshold. */
export function unusable(d: IpvsDest): boolean {
  return d.overloaded || d.weight <= 0;
}
