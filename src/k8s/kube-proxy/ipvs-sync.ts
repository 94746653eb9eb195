/**
 * The IPVS proxier's kernel-side half of syncProxyRules (pkg/proxy/ipvs/proxier.go) on one node, as
 * diffs against what the node has: kube-ipvs0 and its /32 addresses (bind what is new, unbind what is
 * superfluous), the ipsets' members, and the virtual servers with their real servers (syncService,
 * syncEndpoint, cleanLegacyService). Real servers leave through graceful termination
 * (graceful_termination.go): a TCP one that still has connections is set to weight 0 and deleted once
 * they are gone, checked every minute; a UDP one at once. Nothing already in place is touched, so an
 * established connection keeps its real server across syncs.
 */

import { Dummy, type NetDevice, type NetNs } from '../../net/index.js';
import {
  type IpSets,
  type Ipvs,
  type IpvsProtocol,
  type IpvsService,
  type IpvsServiceSpec,
  isSchedulerName,
  protocolNumber,
  serviceKey,
} from '../../netfilter/index.js';
import { SECOND, Timer } from '../../sim/index.js';
import type { Ip4 } from '../../wire/index.js';
import type { IpSetState, IpvsDest, IpvsProxyState, IpvsVirtualServer } from './types.js';

/** rsCheckDeleteInterval: how often real servers waiting for their connections to end are checked. */
export const RS_CHECK_DELETE_INTERVAL = 60 * SECOND;
/** The MTU netlink gives a new dummy device (ether_setup). */
const DUMMY_MTU = 1500;

/** A real server in graceful termination (listItem: its virtual server and itself). */
interface Terminating {
  readonly protocol: IpvsProtocol;
  readonly vip: Ip4;
  readonly vport: number;
  readonly ip: Ip4;
  readonly port: number;
}

const termKey = (svcKey: number, ip: Ip4, port: number) => `${svcKey}/${ip}:${port}`;

/** The kernel state the IPVS proxier keeps on one node. */
export class IpvsNodeSync {
  private dummy: NetDevice | undefined;
  /** The member list each set was last synced to (the generator shares unchanged lists). */
  private readonly synced = new Map<string, readonly string[]>();
  private readonly terminating = new Map<string, Terminating>();
  private readonly timer: Timer;

  constructor(
    private readonly ns: NetNs,
    private readonly sets: IpSets,
    private readonly ipvs: Ipvs,
  ) {
    this.timer = new Timer(ns.sim, () => this.tryDeleteRs());
  }

  /** Makes the node's dummy device, addresses, ipsets and virtual servers what `state` says. */
  apply(state: IpvsProxyState): void {
    const now = this.ns.sim.now;
    this.ipvs.expire(now);
    this.bindAddresses(state.dummyDevice, state.addresses);
    for (const s of state.ipsets) this.syncSet(s);
    const wanted = new Map<number, { readonly vs: IpvsVirtualServer; readonly protocol: IpvsProtocol }>();
    for (const vs of state.virtualServers) {
      // podwire's IPVS has no SCTP; such a Service gets no virtual server.
      if (vs.protocol === 'SCTP') continue;
      wanted.set(serviceKey(protocolNumber(vs.protocol), vs.vip, vs.port), { vs, protocol: vs.protocol });
    }
    for (const w of wanted.values()) this.syncService(w.vs, w.protocol);
    // cleanLegacyService: virtual servers kube-proxy no longer wants.
    for (const svc of this.ipvs.services()) {
      if (wanted.has(svc.key)) continue;
      this.ipvs.deleteService(svc.protocolName, svc.addr, svc.port, now);
      for (const [k, t] of this.terminating)
        if (t.protocol === svc.protocolName && t.vip === svc.addr && t.vport === svc.port)
          this.terminating.delete(k);
    }
  }

  /** EnsureDummyDevice + EnsureAddressBind for each VIP, then UnbindAddress of the superfluous ones. */
  private bindAddresses(name: string, addresses: readonly Ip4[]): void {
    let dev = this.dummy;
    if (dev === undefined) {
      dev = this.ns.deviceByName(name);
      if (dev === undefined) {
        // dummy_setup: a random locally administered unicast MAC (eth_hw_addr_random); left DOWN.
        const rng = this.ns.sim.rng(`${this.ns.name}/${name}`);
        const hi = ((rng.u32() >>> 16) & 0xfeff) | 0x0200;
        const mac = hi * 0x100000000 + rng.u32();
        dev = new Dummy(this.ns.sim, this.ns.deviceOptions(name, mac, DUMMY_MTU));
        this.ns.attach(dev);
      }
      this.dummy = dev;
    }
    const bound = new Set(this.ns.addresses(dev.ifindex).map((a) => a.ip));
    const want = new Set(addresses);
    for (const ip of addresses) if (!bound.has(ip)) this.ns.addAddress(name, ip, 32);
    for (const ip of bound) if (!want.has(ip)) this.ns.deleteAddress(name, ip, 32);
  }

  /** ipset create (once) and the member diff of one set. */
  private syncSet(s: IpSetState): void {
    let set = this.sets.get(s.name);
    if (set === undefined) {
      const r = this.sets.create(
        s.name,
        s.type,
        s.type === 'bitmap:port' ? { range: { from: 0, to: 65535 } } : {},
      );
      if (!r.ok) throw new Error(`kube-proxy: ipset create ${s.name}: ${r.error}`);
      set = this.sets.get(s.name);
      if (set === undefined) return;
    } else if (this.synced.get(s.name) === s.entries) {
      return;
    }
    const want = new Set(s.entries);
    for (const m of set.memberTexts()) if (!want.has(m)) set.del(m);
    for (const e of s.entries) {
      const r = set.add(e, { exist: true });
      if (!r.ok) throw new Error(`kube-proxy: ipset add ${s.name} ${e}: ${r.error}`);
    }
    this.synced.set(s.name, s.entries);
  }

  /** syncService + syncEndpoint for one virtual server. */
  private syncService(vs: IpvsVirtualServer, protocol: IpvsProtocol): void {
    const ipvs = this.ipvs;
    if (!isSchedulerName(vs.scheduler))
      throw new RangeError(`kube-proxy: unknown IPVS scheduler ${vs.scheduler}`);
    const spec: IpvsServiceSpec = {
      protocol,
      addr: vs.vip,
      port: vs.port,
      scheduler: vs.scheduler,
      ...(vs.persistentTimeout === undefined ? {} : { persistent: { timeout: vs.persistentTimeout } }),
    };
    let svc = ipvs.service(protocol, vs.vip, vs.port);
    if (svc === undefined) {
      ipvs.addService(spec);
      svc = ipvs.service(protocol, vs.vip, vs.port);
      if (svc === undefined) return;
    } else if (!sameService(svc, vs)) {
      ipvs.editService(spec);
    }
    this.syncDests(svc, vs.dests);
  }

  private syncDests(svc: IpvsService, dests: readonly IpvsDest[]): void {
    const ipvs = this.ipvs;
    const now = this.ns.sim.now;
    const proto = svc.protocolName;
    const wanted = new Set<string>();
    for (const d of dests) {
      const k = termKey(svc.key, d.ip, d.port);
      wanted.add(k);
      if (svc.findDest(d.ip, d.port) !== undefined) {
        if (!this.terminating.has(k)) continue;
        // MoveRSOutofGracefulDeleteList: the endpoint is back; delete the quiesced one, add it afresh.
        this.terminating.delete(k);
        ipvs.deleteDest(proto, svc.addr, svc.port, d.ip, d.port, now);
      }
      ipvs.addDest(proto, svc.addr, svc.port, { addr: d.ip, port: d.port, weight: d.weight });
    }
    for (const d of [...svc.dests]) {
      const k = termKey(svc.key, d.addr, d.port);
      if (wanted.has(k) || this.terminating.has(k)) continue;
      // GracefulDeleteRS: UDP (and SCTP) at once; TCP only when no connection is left, else quiesce.
      if (proto === 'UDP' || d.totalConns === 0) {
        ipvs.deleteDest(proto, svc.addr, svc.port, d.addr, d.port, now);
        continue;
      }
      ipvs.editDest(proto, svc.addr, svc.port, { addr: d.addr, port: d.port, weight: 0 });
      this.terminating.set(k, { protocol: proto, vip: svc.addr, vport: svc.port, ip: d.addr, port: d.port });
    }
    if (this.terminating.size > 0 && !this.timer.pending) this.timer.start(RS_CHECK_DELETE_INTERVAL);
  }

  /** tryDeleteRs: real servers whose connections have all ended are deleted. */
  private tryDeleteRs(): void {
    const now = this.ns.sim.now;
    this.ipvs.expire(now);
    for (const [k, t] of this.terminating) {
      const d = this.ipvs.service(t.protocol, t.vip, t.vport)?.findDest(t.ip, t.port);
      if (d !== undefined && d.totalConns > 0) continue;
      this.terminating.delete(k);
      if (d !== undefined) this.ipvs.deleteDest(t.protocol, t.vip, t.vport, t.ip, t.port, now);
    }
    if (this.terminating.size > 0) this.timer.start(RS_CHECK_DELETE_INTERVAL);
  }
}

/** VirtualServer.Equal for what kube-proxy sets: scheduler and persistence. */
function sameService(svc: IpvsService, vs: IpvsVirtualServer): boolean {
  if (svc.schedulerName !== vs.scheduler) return false;
  if (vs.persistentTimeout === undefined) return !svc.persistent;
  return svc.persistent && svc.timeout === vs.persistentTimeout;
}
