import { SECOND } from '../../sim/index.js';
import type { Ip4, Ipv4Packet } from '../../wire/index.js';
import { ConnTable } from './conn.js';
import { replyPath, requestPath } from './datapath.js';
import { type IpvsSysctls, KERNEL_SYSCTLS, TCP_S, TCP_TIMEOUTS_S, UDP_TIMEOUT_S } from './defaults.js';
import { IpvsDest } from './dest.js';
import {
  type IpvsDestSpec,
  IpvsService,
  type IpvsServiceSpec,
  protocolNumber,
  serviceKey,
} from './service.js';
import type {
  IpvsReply,
  IpvsReplyHook,
  IpvsRequestHook,
  IpvsRequestOptions,
  IpvsVerdict,
} from './verdict.js';

/** Errors of the control operations, worded as ipvsadm prints them (libipvs ipvs_strerror). */
export type IpvsError =
  | 'Service already exists'
  | 'No such service'
  | 'Service not defined'
  | 'Destination already exists'
  | 'No such destination'
  | 'Numerical result out of range';

/** `ipvsadm --set tcp tcpfin udp`, in seconds; 0 leaves a value unchanged. */
export interface IpvsTimeouts {
  readonly tcp: number;
  readonly tcpFin: number;
  readonly udp: number;
}

export interface IpvsOptions {
  /** Whether an address is local to the namespace (RTCF_LOCAL of the route to it); default none is. */
  readonly isLocal?: (addr: Ip4) => boolean;
  readonly sysctls?: Partial<IpvsSysctls>;
}

const trashKey = (svcKey: number, addr: Ip4, port: number): string => `${svcKey}/${addr}/${port}`;

/**
 * The IPVS state of one network namespace (struct netns_ipvs): virtual services with their real servers
 * and schedulers, the connection table, the timeouts and sysctls, and the request/reply paths the
 * netfilter engine calls at IPVS's hook points.
 *
 * Hook contract for the engine (ip_vs_ops4 in ip_vs_core.c; lower priority runs first):
 * - LOCAL_IN, priority NF_IP_PRI_NAT_SRC − 2 (98): `reply('LOCAL_IN', p, now)` — a real server's reply
 *   to a local client. Then, if that returned undefined, priority NAT_SRC − 1 (99):
 *   `request('LOCAL_IN', p, now)` — a client's packet to a virtual address (which is local: it sits on
 *   kube-ipvs0), after the filter table's INPUT chain.
 * - LOCAL_OUT, priority NF_IP_PRI_NAT_DST + 1 (−99): `reply('LOCAL_OUT', …)` — a local real server's
 *   reply; then NAT_DST + 2 (−98): `request('LOCAL_OUT', …)` — a local client's packet.
 * - FORWARD, priority 100 (after filter): `reply('FORWARD', …)` — a remote real server's reply routed
 *   through this node back to the client, including bridged frames under br_netfilter.
 * A packet IPVS rewrote (request `nat`, or any reply) is skipped by IPVS's later hooks
 * (skb->ipvs_property). After a reply at FORWARD or LOCAL_OUT the kernel re-routes by the new source
 * (snat_reroute=1); with a destination-only FIB nothing changes. ICMP errors about IPVS connections
 * (ip_vs_in_icmp/ip_vs_out_icmp) are not translated; ICMP to a virtual address is `accept`ed (the local
 * stack answers a ping to a ClusterIP).
 */
export class Ipvs {
  readonly sysctls: IpvsSysctls;
  readonly conns = new ConnTable();
  /** Timeout by TCP state, ns (ip_vs_proto_data.timeout_table). */
  readonly tcpTimeouts: number[] = TCP_TIMEOUTS_S.map((s) => s * SECOND);
  udpTimeout = UDP_TIMEOUT_S * SECOND;
  readonly isLocal: (addr: Ip4) => boolean;
  private readonly svcs = new Map<number, IpvsService>();
  /** ipvs->dest_trash: deleted dests still referenced by connections, revived if re-added. */
  private readonly trash = new Map<string, { readonly svcKey: number; readonly dest: IpvsDest }>();
  private now = 0;

  constructor(options: IpvsOptions = {}) {
    this.sysctls = { ...KERNEL_SYSCTLS, ...options.sysctls };
    this.isLocal = options.isLocal ?? (() => false);
    this.conns.onUnreferenced = (d) => {
      if (d.available) return;
      for (const [k, e] of this.trash) if (e.dest === d) this.trash.delete(k);
    };
  }

  /** Runs the connection timers up to `now` (ns); time never goes back. */
  expire(now: number): void {
    if (now < this.now) throw new RangeError(`Ipvs: time went back from ${this.now} to ${now}`);
    this.now = now;
    this.conns.expireDue(now);
  }

  /** Virtual services in the order they were added. */
  services(): readonly IpvsService[] {
    return [...this.svcs.values()];
  }

  service(protocol: 'TCP' | 'UDP', addr: Ip4, port: number): IpvsService | undefined {
    return this.svcs.get(serviceKey(protocolNumber(protocol), addr, port));
  }

  /** A service by packet fields (ip_vs_service_find for a <protocol, addr, port> service). */
  findService(protocol: number, addr: Ip4, port: number): IpvsService | undefined {
    return this.svcs.get(serviceKey(protocol, addr, port));
  }

  /** `ipvsadm -A`: ip_vs_add_service. */
  addService(spec: IpvsServiceSpec): IpvsError | undefined {
    const key = serviceKey(protocolNumber(spec.protocol), spec.addr, spec.port);
    if (this.svcs.has(key)) return 'Service already exists';
    this.svcs.set(key, new IpvsService(spec));
    return undefined;
  }

  /** `ipvsadm -E`: ip_vs_edit_service (scheduler, persistence, flags). */
  editService(spec: IpvsServiceSpec): IpvsError | undefined {
    const svc = this.service(spec.protocol, spec.addr, spec.port);
    if (svc === undefined) return 'No such service';
    svc.edit(spec);
    return undefined;
  }

  /** `ipvsadm -D`: ip_vs_del_service — every dest goes to the trash, as deleteDest. */
  deleteService(protocol: 'TCP' | 'UDP', addr: Ip4, port: number, now: number): IpvsError | undefined {
    this.expire(now);
    const svc = this.service(protocol, addr, port);
    if (svc === undefined) return 'No such service';
    this.svcs.delete(svc.key);
    for (const d of [...svc.dests]) this.removeDest(svc, d);
    this.flushNodest(now);
    return undefined;
  }

  /** `ipvsadm -C`: every service deleted. */
  flush(now: number): void {
    for (const svc of this.services()) this.deleteService(svc.protocolName, svc.addr, svc.port, now);
  }

  /**
   * `ipvsadm -a`: ip_vs_add_dest. A dest still in the trash (deleted while connections used it) is
   * revived with its counters, as ip_vs_trash_get_dest does; otherwise a new one goes to the list's head.
   */
  addDest(protocol: 'TCP' | 'UDP', addr: Ip4, port: number, spec: IpvsDestSpec): IpvsError | undefined {
    const svc = this.service(protocol, addr, port);
    if (svc === undefined) return 'Service not defined';
    const bad = checkDestSpec(spec);
    if (bad !== undefined) return bad;
    if (svc.findDest(spec.addr, spec.port) !== undefined) return 'Destination already exists';
    const tk = trashKey(svc.key, spec.addr, spec.port);
    const old = this.trash.get(tk);
    let dest: IpvsDest;
    if (old !== undefined) {
      this.trash.delete(tk);
      dest = old.dest;
      applyDestSpec(dest, spec);
    } else {
      dest = new IpvsDest(spec.addr, spec.port, spec.weight ?? 1, spec.uThreshold ?? 0, spec.lThreshold ?? 0);
    }
    svc.link(dest);
    return undefined;
  }

  /** `ipvsadm -e`: ip_vs_edit_dest — weight (0 quiesces: no new connections) and thresholds. */
  editDest(protocol: 'TCP' | 'UDP', addr: Ip4, port: number, spec: IpvsDestSpec): IpvsError | undefined {
    const svc = this.service(protocol, addr, port);
    if (svc === undefined) return 'Service not defined';
    const bad = checkDestSpec(spec);
    if (bad !== undefined) return bad;
    const dest = svc.findDest(spec.addr, spec.port);
    if (dest === undefined) return 'No such destination';
    applyDestSpec(dest, spec);
    svc.scheduler.updDest(svc, dest);
    return undefined;
  }

  /**
   * `ipvsadm -d`: ip_vs_del_dest. The dest leaves the list (no new connections) and waits in the trash
   * while connections still reference it. With expire_nodest_conn=1 (kube-proxy) kernels since 5.9 then
   * expire all its connections at once (ip_vs_expire_nodest_conn_flush, queued 1 jiffy later — here at
   * `now`); without it they live on and their packets are dropped. kube-proxy therefore first sets weight
   * 0 and deletes a TCP real server only once ActiveConn + InActConn is 0 (graceful termination), UDP at once.
   */
  deleteDest(
    protocol: 'TCP' | 'UDP',
    addr: Ip4,
    port: number,
    rip: Ip4,
    rport: number,
    now: number,
  ): IpvsError | undefined {
    this.expire(now);
    const svc = this.service(protocol, addr, port);
    if (svc === undefined) return 'Service not defined';
    const dest = svc.findDest(rip, rport);
    if (dest === undefined) return 'No such destination';
    this.removeDest(svc, dest);
    this.flushNodest(now);
    return undefined;
  }

  /** `ipvsadm --set`: ip_vs_set_timeout (TCP ESTABLISHED, TCP FIN_WAIT, UDP). */
  setTimeouts(t: IpvsTimeouts): void {
    if (t.tcp > 0) this.tcpTimeouts[TCP_S.ESTABLISHED] = t.tcp * SECOND;
    if (t.tcpFin > 0) this.tcpTimeouts[TCP_S.FIN_WAIT] = t.tcpFin * SECOND;
    if (t.udp > 0) this.udpTimeout = t.udp * SECOND;
  }

  /** `ipvsadm -L --timeout` values, in seconds. */
  timeouts(): IpvsTimeouts {
    return {
      tcp: Math.floor((this.tcpTimeouts[TCP_S.ESTABLISHED] as number) / SECOND),
      tcpFin: Math.floor((this.tcpTimeouts[TCP_S.FIN_WAIT] as number) / SECOND),
      udp: Math.floor(this.udpTimeout / SECOND),
    };
  }

  /**
   * A client's packet at LOCAL_IN or LOCAL_OUT (ip_vs_in_hook). See the class comment for where the
   * engine calls it and IpvsVerdict for what to do with the result.
   */
  request(hook: IpvsRequestHook, packet: Ipv4Packet, now: number, options?: IpvsRequestOptions): IpvsVerdict {
    this.expire(now);
    return requestPath(this, hook, packet, now, options?.conntrackConfirmed === true);
  }

  /**
   * A packet that may be a real server's reply (ip_vs_out_hook): rewritten back to the virtual
   * address:port, or undefined when no IPVS connection has that real server and client.
   */
  reply(_hook: IpvsReplyHook, packet: Ipv4Packet, now: number): IpvsReply | undefined {
    this.expire(now);
    return replyPath(this, packet, now);
  }

  private removeDest(svc: IpvsService, dest: IpvsDest): void {
    svc.unlink(dest);
    if (dest.referenced) this.trash.set(trashKey(svc.key, dest.addr, dest.port), { svcKey: svc.key, dest });
  }

  /**
   * ip_vs_expire_nodest_conn_flush (expire_nodest_conn=1): connections whose dest is gone leave now,
   * then a template they were the last to use.
   */
  private flushNodest(now: number): void {
    if (!this.sysctls.expireNodestConn) return;
    for (const c of this.conns.list()) {
      if (!c.linked || c.dest.available || c.nControl > 0) continue;
      const ct = c.control;
      this.conns.expireNow(c, now);
      if (ct !== undefined && ct.nControl === 0) this.conns.expireNow(ct, now);
    }
  }
}

function checkDestSpec(spec: IpvsDestSpec): IpvsError | undefined {
  // ip_vs_add_dest / ip_vs_edit_dest: -ERANGE for a negative weight or lthreshold above uthreshold.
  if ((spec.weight ?? 1) < 0) return 'Numerical result out of range';
  if ((spec.lThreshold ?? 0) > (spec.uThreshold ?? 0)) return 'Numerical result out of range';
  return undefined;
}

/** __ip_vs_update_dest: weight, thresholds; a raised or removed upper threshold clears OVERLOAD. */
function applyDestSpec(dest: IpvsDest, spec: IpvsDestSpec): void {
  const u = spec.uThreshold ?? 0;
  dest.weight = spec.weight ?? 1;
  if (u === 0 || u > dest.uThreshold) dest.overloaded = false;
  dest.uThreshold = u;
  dest.lThreshold = spec.lThreshold ?? 0;
}
