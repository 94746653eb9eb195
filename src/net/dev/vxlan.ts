import {
  type EthernetFrame,
  type Ip4,
  type Ipv4Packet,
  type Mac,
  type UdpDatagram,
  udp,
  vxlan,
} from '../../wire/index.js';
import { type DeviceOptions, type LinkKind, NetDevice } from './device.js';
import type { DeviceExplainer } from './explain.js';

/** net.ipv4.ip_local_port_range, the source-port range of a device created with `srcport 0 0`. */
const SRC_PORT_MIN = 32768;
const SRC_PORT_MAX = 60999;
/** The two ECN bits of the TOS byte, and their CE value (include/net/inet_ecn.h). */
const ECN_MASK = 0x03;
const ECN_CE = 0x03;
const ECN_ECT0 = 0x02;

/** How a VXLAN device sends its outer datagrams: ip_local_out in the namespace holding the device. */
export interface VxlanUnderlay {
  /**
   * Routes and sends an outer UDP datagram from `src` to `dst` with TTL 64, the given TOS and DF clear.
   * Returns false when the namespace could not send it (no route to the remote VTEP).
   */
  sendOuter(src: Ip4, dst: Ip4, datagram: UdpDatagram, tos: number): boolean;
}

/** The attributes `ip link add … type vxlan` sets, as flannel sets them (reference flannel.md §3.1). */
export interface VxlanConfig {
  readonly vni: number;
  /** `local`: the source address of outer packets. */
  readonly local: Ip4;
  /** `dev`: the underlay device's name (printed by `ip -d link`). */
  readonly lowerDev: string;
  /** `dstport`; Linux's default 8472 when flannel leaves it unset. */
  readonly dstPort: number;
  /** `learning`/`nolearning`. flannel creates the device with learning off. */
  readonly learning: boolean;
  /** Per-boot key of the flow hash (the kernel's hashrnd), drawn from the simulator's PRNG. */
  readonly hashKey: number;
}

/** A unicast FDB entry of a VXLAN device (`bridge fdb append MAC dev flannel.1 dst IP self permanent`). */
export interface VxlanFdbEntry {
  readonly mac: Mac;
  readonly dst: Ip4;
}

/**
 * FDB entries a VXLAN device shares with other namespaces' devices (an overlay's peers,
 * net/peer-table.ts), consulted after its own. Any change to the device's own FDB detaches first,
 * turning every shared entry into the device's own.
 */
export interface SharedFdb {
  fdb(mac: Mac): VxlanFdbEntry | undefined;
  /** The shared entries' FDB side, in the order the device would have added them. */
  visible(): readonly { readonly fdb: VxlanFdbEntry }[];
  detach(): void;
}

/**
 * A VXLAN tunnel endpoint (drivers/net/vxlan/vxlan_core.c): a frame sent on the device is looked up in
 * its FDB by destination MAC and sent inside UDP to the remote VTEP the entry names; a datagram arriving
 * on the device's UDP port with its VNI comes out of the device as the inner frame. There is no default
 * (all-zeros) entry in flannel's setup, so a frame with no entry — an ARP broadcast, say — is dropped.
 */
export class Vxlan extends NetDevice {
  readonly kind: LinkKind = 'vxlan';
  readonly config: VxlanConfig;
  /** The underlay sender; set by the namespace that creates the device. */
  underlay: VxlanUnderlay | undefined;
  /** Told each FDB lookup, encapsulation and decapsulation while a packet is being explained. */
  explain: DeviceExplainer | undefined;
  private readonly fdb = new Map<Mac, VxlanFdbEntry>();
  /** FDB entries in the order they were added (`bridge fdb show` order). */
  private fdbOrder: VxlanFdbEntry[] = [];
  /** Drops by reason, in the kernel's own words where it has some. */
  readonly drops = new Map<string, number>();
  /** Entries shared with other namespaces' VTEPs; set by a PeerView. */
  sharedFdb: SharedFdb | undefined;

  constructor(sim: ConstructorParameters<typeof NetDevice>[0], options: DeviceOptions, config: VxlanConfig) {
    super(sim, options);
    this.config = config;
  }

  /** A VXLAN device has no lower-layer carrier of its own: `ip link` says state UNKNOWN when it is up. */
  override get operState(): string {
    return this.adminUp ? 'UNKNOWN' : 'DOWN';
  }

  /** `bridge fdb append MAC dev DEV dst IP self permanent` (replaces an entry for the same MAC). */
  fdbAdd(mac: Mac, dst: Ip4): void {
    this.sharedFdb?.detach();
    const entry = { mac, dst };
    if (this.fdb.has(mac)) this.fdbOrder = this.fdbOrder.filter((e) => e.mac !== mac);
    this.fdb.set(mac, entry);
    this.fdbOrder.push(entry);
  }

  /** `bridge fdb del MAC dev DEV self`; false when there was no such entry. */
  fdbDelete(mac: Mac): boolean {
    if (this.sharedFdb?.fdb(mac) !== undefined) this.sharedFdb.detach();
    if (!this.fdb.delete(mac)) return false;
    this.fdbOrder = this.fdbOrder.filter((e) => e.mac !== mac);
    return true;
  }

  fdbLookup(mac: Mac): VxlanFdbEntry | undefined {
    return this.fdb.get(mac) ?? this.sharedFdb?.fdb(mac);
  }

  /** The device's own entries (not what it shares), in dump order. */
  fdbOwn(): readonly VxlanFdbEntry[] {
    return this.fdbOrder;
  }

  /** Whether the device itself (not what it shares) has an entry for `mac`. */
  fdbHasOwn(mac: Mac): boolean {
    return this.fdb.has(mac);
  }

  /** Entries in dump order. */
  fdbEntries(): readonly VxlanFdbEntry[] {
    const shared = this.sharedFdb;
    if (shared === undefined) return this.fdbOrder;
    return [...this.fdbOrder, ...shared.visible().map((e) => e.fdb)];
  }

  /** vxlan_xmit: FDB lookup, then encapsulation towards the entry's remote VTEP. */
  protected transmit(frame: EthernetFrame, length: number): void {
    const entry = this.fdb.get(frame.dst) ?? this.sharedFdb?.fdb(frame.dst);
    if (entry === undefined) {
      if (this.explain !== undefined) this.explain.vxlanEncap(this, frame, undefined, undefined);
      this.drop(frame, 'no FDB entry for the destination MAC');
      return;
    }
    const underlay = this.underlay;
    if (underlay === undefined) return;
    const c = this.config;
    const datagram = udp({
      src: c.local,
      dst: entry.dst,
      srcPort: vxlanSourcePort(frame, c.hashKey),
      dstPort: c.dstPort,
      payload: vxlan({ vni: c.vni, inner: frame }),
    });
    if (this.explain !== undefined) this.explain.vxlanEncap(this, frame, entry.dst, datagram);
    const inner = frame.payload.kind === 'ipv4' ? frame.payload.tos : 0;
    if (!underlay.sendOuter(c.local, entry.dst, datagram, ecnEncapsulate(inner))) {
      this.drop(frame, `no route to remote VTEP (length ${length})`);
    }
  }

  /**
   * vxlan_rcv: a datagram that reached the device's UDP socket. Checks the I flag and the VNI, then the
   * inner frame arrives on the device (one event later, so a long path never recurses).
   */
  receiveOuter(datagram: UdpDatagram): void {
    const v = datagram.payload;
    if (v.kind !== 'vxlan') {
      this.rxDrop(datagram, 'not a VXLAN header');
      return;
    }
    if (v.vni !== this.config.vni) {
      this.rxDrop(datagram, `VNI ${v.vni} is not ours`);
      return;
    }
    // eth_type_trans on the inner frame: frames claiming to come from our own MAC are looped back; drop.
    if (v.inner.src === this.mac) {
      this.rxDrop(datagram, 'inner source is our own MAC');
      return;
    }
    if (this.explain !== undefined) this.explain.vxlanDecap(this, datagram, undefined);
    this.deliverLater(v.inner, datagram.length - 16);
  }

  private drop(frame: EthernetFrame, reason: string): void {
    this.stats.txDropped++;
    this.count(reason);
    if (this.trace.active) this.trace.fire('drop', this.sim.now, this.point, frame, reason);
  }

  private rxDrop(datagram: UdpDatagram, reason: string): void {
    this.count(reason);
    if (this.explain !== undefined) this.explain.vxlanDecap(this, datagram, reason);
  }

  private count(reason: string): void {
    this.drops.set(reason, (this.drops.get(reason) ?? 0) + 1);
  }
}

/**
 * INET_ECN_encapsulate with the device's `tos 0`: the outer TOS is 0 but for the ECN bits, copied from
 * the inner packet (CE is carried as ECT(0)), as ip_tunnel_ecn_encap does.
 */
export function ecnEncapsulate(innerTos: number): number {
  const ecn = innerTos & ECN_MASK;
  return ecn === ECN_CE ? ECN_ECT0 : ecn;
}

/**
 * udp_flow_src_port: the outer source port from the inner flow's hash, scaled into
 * ip_local_port_range — `h ^= h << 16; port = (h × (max − min)) >> 32 + min`, so [32768, 60998].
 */
export function vxlanSourcePort(frame: EthernetFrame, key: number): number {
  let h = flowHash(frame, key);
  h = (h ^ (h << 16)) >>> 0;
  return Math.floor((h * (SRC_PORT_MAX - SRC_PORT_MIN)) / 0x1_0000_0000) + SRC_PORT_MIN;
}

/**
 * The skb flow hash the kernel computes for a forwarded packet (flow_hash_from_keys): over addresses,
 * protocol and ports, made symmetric first (__flow_hash_consistentify) so both directions of a flow hash
 * alike under one key. Each node boots with its own key, so a request (hashed on the sender's node) and
 * its reply (hashed on the other) leave on different ports; the LAB's equal ports came from two
 * namespaces sharing one kernel (test/kernel/OBSERVED-flannel.md). The mixing function is our own: the
 * kernel's key is random per boot, so only the properties carry over, never the values.
 */
export function flowHash(frame: EthernetFrame, key: number): number {
  const p = frame.payload;
  if (p.kind !== 'ipv4') return mix(mix(key, frame.src % 0x1_0000_0000), frame.dst % 0x1_0000_0000);
  let a = p.src;
  let b = p.dst;
  let pa = 0;
  let pb = 0;
  const fragment = p.fragOffset !== 0 || (p.flags & 1) !== 0;
  if (!fragment) [pa, pb] = flowPorts(p);
  if (a > b || (a === b && pa > pb)) {
    [a, b] = [b, a];
    [pa, pb] = [pb, pa];
  }
  return mix(mix(mix(mix(key, a), b), ((pa << 16) | pb) >>> 0), p.protocol);
}

/** The two ports the flow dissector takes: TCP/UDP ports; none for ICMP (addresses and protocol only, LAB). */
function flowPorts(p: Ipv4Packet): [number, number] {
  const l4 = p.payload;
  if (l4.kind === 'udp' || l4.kind === 'tcp') return [l4.srcPort, l4.dstPort];
  return [0, 0];
}

/** One round of a 32-bit multiply–xorshift mixer (murmur3's finaliser over h ^ v). */
function mix(h: number, v: number): number {
  let x = (h ^ v) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}
