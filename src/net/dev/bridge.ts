import type { Sim } from '../../sim/index.js';
import { MS, SECOND } from '../../sim/index.js';
import type { EthernetFrame, Mac } from '../../wire/index.js';
import { type DeviceOptions, isGroupMac, type LinkKind, NetDevice, type RxHandler } from './device.js';
import type { DeviceExplainer } from './explain.js';

/**
 * Linux bridge defaults (net/bridge/br_device.c br_dev_setup, br_if.c new_nbp; LAB `ip -d link show cni0`,
 * reference/linux-datapath.md §10).
 */
export const BRIDGE = {
  /** ageing_time: a learned entry unseen this long is removed (BR_DEFAULT_AGEING_TIME, 300 s). */
  ageingNs: 300 * SECOND,
  /** br_stp_enable_bridge queues the first fdb garbage collection HZ/10 after the bridge opens. */
  firstGcNs: 100 * MS,
  /** br_fdb_cleanup never reschedules itself sooner than 10 ms. */
  minGcNs: 10 * MS,
  /** forward_delay (15 s): the port's forward_delay_timer starts at this when the port is enabled. */
  forwardDelayNs: 15 * SECOND,
  /** Bridge priority; the bridge id is `8000.<mac>`. */
  priority: 0x8000,
  /** Port priority and path cost of a veth port (10 Gbit/s → cost 2). */
  portPriority: 32,
  portCost: 2,
} as const;

/** STP port state as `ip -d link` prints it; without STP a port is forwarding while it has carrier. */
export type BridgePortState = 'forwarding' | 'disabled';

/**
 * br_netfilter's entry points (net/bridge/br_netfilter_hooks.c), implemented by the namespace: the
 * bridge calls them for frames entering a port and for frames it forwards from one port to another.
 */
export interface BridgeNfHooks {
  /**
   * br_nf_pre_routing: may take a frame entering `port` before the forwarding decision; true when it
   * did — it then hands the frame (possibly rewritten) to `bridge.handleFrameFinish`, or drops it.
   */
  preRouting(bridge: Bridge, port: BridgePort, frame: EthernetFrame, length: number): boolean;
  /** br_nf_forward_ip + br_nf_post_routing: a frame bridged from `from` to `to`; undefined = dropped. */
  forward(bridge: Bridge, from: BridgePort, to: BridgePort, frame: EthernetFrame): EthernetFrame | undefined;
  /**
   * br_dev_xmit of a bridged-DNAT frame the host resolved a neighbour for
   * (br_nf_pre_routing_finish_bridge_slow); true when it took the frame back into the bridge.
   */
  localXmit(bridge: Bridge, frame: EthernetFrame, length: number): boolean;
}

/** One forwarding database entry (struct net_bridge_fdb_entry). */
export class BridgeFdbEntry {
  constructor(
    readonly mac: Mac,
    /** The port the MAC lives behind; undefined for the bridge's own MAC (dst == NULL in the kernel). */
    public port: BridgePort | undefined,
    /** Last time a frame from this MAC was seen, ns (`updated`). */
    public updated: number,
    /** BR_FDB_LOCAL: a port's or the bridge's own MAC; permanent, never ages, never moves. */
    readonly local: boolean,
  ) {}
}

/** A device enslaved to a bridge (struct net_bridge_port); it is the port device's rx handler. */
export class BridgePort implements RxHandler {
  /** `hairpin on`: frames may go back out the port they came in on (BR_HAIRPIN_MODE). */
  hairpin = false;
  /** `learning on`: source MACs of received frames are learned (BR_LEARNING). */
  learning = true;
  /** `flood on`: unknown unicast is flooded to this port (BR_FLOOD). */
  flood = true;

  constructor(
    readonly bridge: Bridge,
    readonly dev: NetDevice,
    /** port_no: lowest free number from 1. */
    readonly portNo: number,
    /** When the port was enslaved (its forward_delay_timer starts then), ns. */
    readonly enslavedAt: number,
    /** The device's handler before enslaving (its netns stack), restored by `removePort`. */
    readonly previousHandler: RxHandler | undefined,
  ) {}

  /** Without STP a port forwards while its device is up with carrier, and is disabled otherwise. */
  get state(): BridgePortState {
    return this.dev.adminUp && this.dev.carrier ? 'forwarding' : 'disabled';
  }

  /** br_handle_frame: every frame the port device receives goes to the bridge. */
  receive(_dev: NetDevice, frame: EthernetFrame, length: number): void {
    this.bridge.input(this, frame, length);
  }
}

/**
 * A Linux bridge (net/bridge/br_input.c, br_forward.c, br_fdb.c) living in a netns, e.g. `cni0`: ports
 * learn source MACs, frames to a local MAC go up the host stack as received on the bridge, group frames
 * are flooded and also go up, known unicast goes out one port, unknown unicast is flooded. The MAC is the
 * one passed at creation and is kept (the CNI bridge plugin pins it; cni.md §3.4); the kernel's
 * follow-the-lowest-port-MAC behaviour of an unpinned bridge is not modelled.
 */
export class Bridge extends NetDevice {
  readonly kind: LinkKind = 'bridge';
  /** br_netfilter's entry points; set by the namespace that owns the bridge. */
  nfHooks: BridgeNfHooks | undefined;
  /** Told each FDB decision while a packet is being explained; undefined otherwise. */
  explain: DeviceExplainer | undefined;
  /** Ports, most recently added first: br_add_if puts a new port at the head of port_list. */
  private readonly portList: BridgePort[] = [];
  /** FDB in creation order (the kernel's fdb_list is newest first: `fdbDump` reverses). */
  private readonly fdb = new Map<Mac, BridgeFdbEntry>();
  /**
   * Whether the port numbers in use are exactly 1..ports: the lowest free one is then the next, with no
   * scan. True while ports only come, or go from the top; a gap sends `freePortNo` back to scanning.
   */
  private portNosDense = true;
  /** Whether a port was ever added: a bridge that never had one has carrier (`state UNKNOWN`). */
  private hadPorts = false;
  /** When br_fdb_cleanup runs next, ns; caught up lazily before the FDB is read or changed. */
  private gcNext: number;

  constructor(sim: Sim, options: DeviceOptions) {
    super(sim, options);
    this.fdb.set(this.mac, new BridgeFdbEntry(this.mac, undefined, sim.now, true));
    this.gcNext = sim.now + BRIDGE.firstGcNs;
  }

  /** Ports, most recently added first (the order the kernel floods in). */
  get ports(): readonly BridgePort[] {
    return this.portList;
  }

  /** A bridge has carrier while any port forwards; one that never had ports has carrier too. */
  override get carrier(): boolean {
    if (!this.adminUp) return false;
    const ports = this.portList;
    if (ports.length === 0) return !this.hadPorts;
    for (const p of ports) if (p.state === 'forwarding') return true;
    return false;
  }

  /** `UNKNOWN` before any port was added (LAB), then `UP` with carrier, `DOWN` without. */
  override get operState(): string {
    if (!this.adminUp) return 'DOWN';
    if (this.portList.length === 0 && !this.hadPorts) return 'UNKNOWN';
    return this.carrier ? 'UP' : 'DOWN';
  }

  /** `ip link set DEV master BR` (br_add_if): enslaves `dev`, adds its MAC as a local entry. */
  addPort(dev: NetDevice): BridgePort {
    if (dev === this) throw new Error(`${this.name}: cannot enslave the bridge to itself`);
    if (dev.master !== undefined) throw new Error(`${dev.name} is already a port of ${dev.master.name}`);
    const portNo = this.portNosDense ? this.portList.length + 1 : this.freePortNo();
    this.portNosDense = portNo === this.portList.length + 1;
    const port = new BridgePort(this, dev, portNo, this.sim.now, dev.handler);
    this.portList.unshift(port);
    this.hadPorts = true;
    dev.master = this;
    dev.handler = port;
    this.addLocal(dev.mac, port);
    return port;
  }

  /** `ip link set DEV nomaster` (br_del_if): forgets every entry of the port; `dev` goes back to its stack. */
  removePort(dev: NetDevice): void {
    const port = this.portOf(dev);
    if (port === undefined) throw new Error(`${dev.name} is not a port of ${this.name}`);
    if (port.portNo !== this.portList.length) this.portNosDense = false;
    this.portList.splice(this.portList.indexOf(port), 1);
    for (const [mac, e] of this.fdb) {
      if (e.port !== port) continue;
      // fdb_delete_local: a local MAC another port (or the bridge) still has stays, pointing there.
      const owner = e.local ? this.portList.find((p) => p.dev.mac === mac) : undefined;
      if (owner !== undefined || (e.local && mac === this.mac)) e.port = owner;
      else this.fdb.delete(mac);
    }
    dev.master = undefined;
    dev.handler = port.previousHandler;
  }

  /** The port record of an enslaved device. */
  portOf(dev: NetDevice): BridgePort | undefined {
    return this.portList.find((p) => p.dev === dev);
  }

  /** `ip link set BR address MAC` (br_fdb_change_mac_address): the bridge's local entry follows. */
  setMac(mac: Mac): void {
    const old = this.fdb.get(this.mac);
    if (old?.local === true && old.port === undefined) this.fdb.delete(this.mac);
    this.mac = mac;
    this.addLocal(mac, undefined);
  }

  /** FDB entries newest first, as `bridge fdb show` dumps them; expired ones are collected first. */
  fdbDump(): readonly BridgeFdbEntry[] {
    this.collect(this.sim.now);
    const out: BridgeFdbEntry[] = [];
    for (const [mac, e] of this.fdb) {
      // br_stp_disable_port flushes a port's learned entries when it loses carrier.
      if (!e.local && e.port !== undefined && e.port.state !== 'forwarding') this.fdb.delete(mac);
      else out.push(e);
    }
    return out.reverse();
  }

  /** Time until the next fdb garbage collection, ns (`gc_timer` of `ip -d link`). */
  gcTimerNs(): number {
    this.collect(this.sim.now);
    return this.gcNext - this.sim.now;
  }

  /** br_handle_frame_finish: a frame received on `port`. Synchronous; no per-frame allocation. */
  input(port: BridgePort, frame: EthernetFrame, length: number): void {
    if (!this.adminUp) {
      this.stats.rxDropped++;
      return;
    }
    const now = this.sim.now;
    // tcpdump -i cni0 puts the bridge in promiscuous mode: it sees every frame entering from a port.
    if (this.trace.active) this.trace.fire('rx', now, this.point, frame);
    if (now >= this.gcNext) this.collect(now);
    const src = frame.src;
    if (port.learning && src !== 0 && !isGroupMac(src)) this.learn(port, src, now);
    // br_netfilter: IPv4 frames pass iptables PREROUTING here, before the forwarding decision.
    const nf = this.nfHooks;
    if (nf !== undefined && frame.payload.kind === 'ipv4' && nf.preRouting(this, port, frame, length)) return;
    this.handleFrameFinish(port, frame, length);
  }

  /** br_handle_frame_finish: the forwarding decision for a frame received on `port`. */
  handleFrameFinish(port: BridgePort, frame: EthernetFrame, length: number): void {
    const dst = frame.dst;
    const x = this.explain;
    if (isGroupMac(dst)) {
      // Broadcast and multicast (no snooping state): flood, then a copy goes up (local_rcv).
      if (x !== undefined) x.bridgeFdb(this, frame, port.dev, 'group', undefined);
      this.flood(port, frame, length);
      this.passUp(frame, length);
      return;
    }
    const e = this.fdb.get(dst);
    if (e !== undefined) {
      if (e.local) {
        // A port's own MAC is the host's too; the stack sees it as arriving on the bridge.
        if (x !== undefined) x.bridgeFdb(this, frame, port.dev, 'local', undefined);
        this.passUp(dst === this.mac ? frame : { ...frame, dst: this.mac }, length);
        return;
      }
      const out = e.port;
      if (out !== undefined && out.state === 'forwarding') {
        if (x !== undefined) x.bridgeFdb(this, frame, port.dev, 'port', out.dev);
        this.forward(port, out, frame, length);
        return;
      }
      this.fdb.delete(dst); // its port lost carrier: the kernel flushed the entry then
    }
    if (x !== undefined) x.bridgeFdb(this, frame, port.dev, 'flood', undefined);
    this.flood(port, frame, length);
  }

  /** br_dev_xmit: a frame the host stack sends out of the bridge goes by FDB to one port, or is flooded. */
  protected transmit(frame: EthernetFrame, length: number): void {
    if (this.nfHooks?.localXmit(this, frame, length) === true) return;
    const now = this.sim.now;
    if (now >= this.gcNext) this.collect(now);
    const dst = frame.dst;
    const x = this.explain;
    if (!isGroupMac(dst)) {
      const e = this.fdb.get(dst);
      if (e !== undefined) {
        const out = e.port;
        // br_forward to the bridge itself (dst == NULL) frees the frame.
        if (out === undefined) {
          if (x !== undefined) x.bridgeFdb(this, frame, undefined, 'local', undefined);
          return;
        }
        if (out.state === 'forwarding') {
          if (x !== undefined) x.bridgeFdb(this, frame, undefined, 'port', out.dev);
          this.forward(undefined, out, frame, length);
          return;
        }
        if (!e.local) this.fdb.delete(dst);
      }
    }
    if (x !== undefined) x.bridgeFdb(this, frame, undefined, 'flood', undefined);
    this.flood(undefined, frame, length);
  }

  /** br_fdb_update: learn or refresh a source MAC; a moved MAC changes port; local entries never move. */
  private learn(port: BridgePort, src: Mac, now: number): void {
    const e = this.fdb.get(src);
    if (e === undefined) {
      this.fdb.set(src, new BridgeFdbEntry(src, port, now, false));
      return;
    }
    if (e.local) return; // "received packet with own address as source address"
    e.port = port;
    e.updated = now;
  }

  /** br_flood: every forwarding port except the ingress one (unless hairpin), newest port first. */
  private flood(from: BridgePort | undefined, frame: EthernetFrame, length: number): void {
    for (const p of this.portList) {
      if (p.flood && p.state === 'forwarding') this.forward(from, p, frame, length);
    }
  }

  /** should_deliver + br_dev_queue_push_xmit: hairpin rule, then the port's MTU, then out. */
  private forward(from: BridgePort | undefined, to: BridgePort, frame: EthernetFrame, length: number): void {
    if (to === from && !to.hairpin) return;
    const nf = this.nfHooks;
    if (nf !== undefined && from !== undefined) {
      const f = nf.forward(this, from, to, frame);
      if (f === undefined) return;
      frame = f;
    }
    if (length - 14 > to.dev.mtu) {
      // is_skb_forwardable: a bridge never fragments.
      this.stats.txDropped++;
      if (this.trace.active) this.trace.fire('drop', this.sim.now, this.point, frame, 'exceeds port mtu');
      return;
    }
    to.dev.xmit(frame, length);
  }

  /** br_pass_frame_up: the frame is received by the host stack on the bridge device. */
  private passUp(frame: EthernetFrame, length: number): void {
    this.stats.rxPackets++;
    this.stats.rxBytes += length;
    const h = this.handler;
    if (h === undefined) {
      this.stats.rxDropped++;
      return;
    }
    h.receive(this, frame, length);
  }

  /** fdb_add_local: a local entry wins over a learned one for the same MAC; an existing local one stays. */
  private addLocal(mac: Mac, port: BridgePort | undefined): void {
    const e = this.fdb.get(mac);
    if (e !== undefined) {
      if (e.local) return;
      this.fdb.delete(mac);
    }
    this.fdb.set(mac, new BridgeFdbEntry(mac, port, this.sim.now, true));
  }

  /**
   * br_fdb_cleanup, run at every time it was due up to `now`: removes learned entries unseen for
   * ageing_time and reschedules itself for the next expiry (at most ageing_time, at least 10 ms away).
   */
  private collect(now: number): void {
    const ageing = BRIDGE.ageingNs;
    while (this.gcNext <= now) {
      const t = this.gcNext;
      let delay = ageing;
      for (const [mac, e] of this.fdb) {
        if (e.local) continue;
        const expires = e.updated + ageing;
        if (expires > t) delay = Math.min(delay, expires - t);
        else this.fdb.delete(mac);
      }
      this.gcNext = t + Math.max(delay, BRIDGE.minGcNs);
    }
  }

  private freePortNo(): number {
    // Marks then one pass: scanning the port list for each candidate number was quadratic in the ports.
    const used: boolean[] = new Array(this.portList.length + 2).fill(false);
    for (const p of this.portList) if (p.portNo < used.length) used[p.portNo] = true;
    let n = 1;
    while (used[n] === true) n++;
    return n;
  }
}
