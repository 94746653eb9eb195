import { IPPROTO_TCP, IPPROTO_UDP, type Ip4 } from '../../wire/index.js';
import { PERSISTENCE_NETMASK_DEFAULT } from './defaults.js';
import type { IpvsDest } from './dest.js';
import {
  createScheduler,
  type IpvsScheduler,
  type SchedService,
  type SchedulerName,
} from './schedulers/index.js';

/** The protocols of a virtual service (`-t` / `-u`). */
export type IpvsProtocol = 'TCP' | 'UDP';

export function protocolNumber(p: IpvsProtocol): number {
  return p === 'TCP' ? IPPROTO_TCP : IPPROTO_UDP;
}

/** `ipvsadm -A|-E -t|-u VIP:PORT -s SCHED [-p TIMEOUT [-M NETMASK]] [-b FLAGS]`. */
export interface IpvsServiceSpec {
  readonly protocol: IpvsProtocol;
  readonly addr: Ip4;
  readonly port: number;
  /** Default `wlc`, as ipvsadm (kube-proxy passes `rr` unless configured otherwise). */
  readonly scheduler?: SchedulerName;
  /** IP_VS_SVC_F_PERSISTENT: timeout in seconds, client netmask (default 255.255.255.255). */
  readonly persistent?: { readonly timeout: number; readonly netmask?: Ip4 };
  /** sh scheduler flags (`-b sh-fallback,sh-port`). */
  readonly shFallback?: boolean;
  readonly shPort?: boolean;
}

/** `ipvsadm -a|-e -t|-u VIP:PORT -r RIP:RPORT -m -w WEIGHT [-x UTHRESHOLD] [-y LTHRESHOLD]`. */
export interface IpvsDestSpec {
  readonly addr: Ip4;
  readonly port: number;
  /** Default 1, as ipvsadm and kube-proxy. */
  readonly weight?: number;
  readonly uThreshold?: number;
  readonly lThreshold?: number;
}

/** Protocol index in the numeric keys: 0 for anything else (templates of fwmark services). */
export function protoIndex(protocol: number): number {
  return protocol === IPPROTO_TCP ? 1 : protocol === IPPROTO_UDP ? 2 : 0;
}

/** A virtual service's numeric key (protocol, address, port): 2 + 32 + 16 bits, exact in a double. */
export function serviceKey(protocol: number, addr: Ip4, port: number): number {
  return (protoIndex(protocol) * 0x100000000 + addr) * 0x10000 + port;
}

/**
 * A virtual service (struct ip_vs_service): its scheduler and the list of real servers in the kernel's
 * order — new dests go to the head (list_add_rcu in __ip_vs_update_dest), so `dests[0]` is the newest.
 */
export class IpvsService implements SchedService {
  readonly protocol: number;
  readonly protocolName: IpvsProtocol;
  readonly addr: Ip4;
  readonly port: number;
  readonly dests: IpvsDest[] = [];
  schedulerName: SchedulerName;
  scheduler: IpvsScheduler;
  persistent: boolean;
  /** Persistence timeout in seconds (ipvsadm's default for a bare `-p` is 300). */
  timeout: number;
  netmask: Ip4;
  shFallback: boolean;
  shPort: boolean;
  /** Connections scheduled (`--stats` Conns). */
  conns = 0;

  constructor(spec: IpvsServiceSpec) {
    this.protocolName = spec.protocol;
    this.protocol = protocolNumber(spec.protocol);
    this.addr = spec.addr;
    this.port = spec.port;
    this.schedulerName = spec.scheduler ?? 'wlc';
    this.scheduler = createScheduler(this.schedulerName);
    this.persistent = spec.persistent !== undefined;
    this.timeout = spec.persistent?.timeout ?? 0;
    this.netmask = spec.persistent?.netmask ?? PERSISTENCE_NETMASK_DEFAULT;
    this.shFallback = spec.shFallback === true;
    this.shPort = spec.shPort === true;
    this.scheduler.init(this);
  }

  get key(): number {
    return serviceKey(this.protocol, this.addr, this.port);
  }

  /** ip_vs_edit_service: a different scheduler is bound afresh (done_service + init_service). */
  edit(spec: IpvsServiceSpec): void {
    const name = spec.scheduler ?? 'wlc';
    if (name !== this.schedulerName) {
      this.schedulerName = name;
      this.scheduler = createScheduler(name);
      this.scheduler.init(this);
    }
    this.persistent = spec.persistent !== undefined;
    this.timeout = spec.persistent?.timeout ?? 0;
    this.netmask = spec.persistent?.netmask ?? PERSISTENCE_NETMASK_DEFAULT;
    this.shFallback = spec.shFallback === true;
    this.shPort = spec.shPort === true;
  }

  findDest(addr: Ip4, port: number): IpvsDest | undefined {
    for (const d of this.dests) if (d.addr === addr && d.port === port) return d;
    return undefined;
  }

  /** The list part of __ip_vs_update_dest(add): head insertion, then the scheduler's add_dest. */
  link(dest: IpvsDest): void {
    dest.available = true;
    this.dests.unshift(dest);
    this.scheduler.addDest(this, dest);
  }

  /** __ip_vs_unlink_dest: off the list, then the scheduler's del_dest. */
  unlink(dest: IpvsDest): void {
    const i = this.dests.indexOf(dest);
    if (i < 0) return;
    this.dests.splice(i, 1);
    dest.available = false;
    this.scheduler.delDest(this, dest, i);
  }
}
