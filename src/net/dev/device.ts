import type { Sim, TraceBus, TracePoint } from '../../sim/index.js';
import type { EthernetFrame, Mac } from '../../wire/index.js';
import { FrameFifo } from './fifo.js';

/** 2^-40: scales a 48-bit MAC so that its first octet's low bit is the integer part's low bit. */
const MAC_OCTET0_SCALE = 2 ** -40;

/**
 * True for a group (multicast or broadcast) MAC: bit 0 of the first octet. A power-of-two multiply and
 * an int32 truncation, because `%` on a double is a library call on the per-frame path.
 */
export function isGroupMac(mac: Mac): boolean {
  return ((mac * MAC_OCTET0_SCALE) & 1) === 1;
}

/** What a device hands received frames to: the owning netns stack, or a bridge it is enslaved to. */
export interface RxHandler {
  /** `length` is the frame's byte length as received (a bridge needs it to send the frame on). */
  receive(dev: NetDevice, frame: EthernetFrame, length: number): void;
}

/** The link types `ip -d link` names. */
export type LinkKind = 'loopback' | 'veth' | 'ether' | 'bridge' | 'vxlan' | 'dummy' | 'tun';

/** Counters `ip -s link` prints, plus drops by reason. */
export class LinkStats {
  rxPackets = 0;
  rxBytes = 0;
  txPackets = 0;
  txBytes = 0;
  rxDropped = 0;
  txDropped = 0;
}

export interface DeviceOptions {
  readonly name: string;
  readonly ifindex: number;
  readonly mac: Mac;
  readonly mtu: number;
  /** Capture point name, e.g. `node1/eth0` or `node1/pa/eth0`. */
  readonly tracePoint: string;
  readonly trace: TraceBus<EthernetFrame>;
  /** A layer-3 device (TUN): its capture point records bare IP packets. */
  readonly layer3?: boolean;
}

/** Shared trace point options: a device passes one of these rather than a literal of its own. */
const LAYER3_POINT = Object.freeze({ layer3: true });

/**
 * Frame emitted trace events are fired for; also counts one "packet-hop" per received frame.
 *
 * The fields are `declare`d and assigned in the constructor rather than initialised as class fields: a
 * class field is an own-property *define* in the base class's initializer, and with more than four device
 * classes that site is megamorphic, where V8 (11.x) defines through the runtime — measured ~4 µs per
 * device against ~0.1 µs for the same stores as assignments, and a node's pods make three devices each.
 * The constructor assigns in the order the fields were declared, so every device keeps the same layout.
 */
export abstract class NetDevice {
  abstract readonly kind: LinkKind;
  declare protected readonly sim: Sim;
  declare readonly name: string;
  declare readonly ifindex: number;
  declare mac: Mac;
  declare mtu: number;
  /** Administrative state (`ip link set up`). */
  declare adminUp: boolean;
  /**
   * Whether the device has been up at least once: the kernel attaches the default qdisc on the first
   * open (dev_activate), so a device never brought up prints `qdisc noop` (OBSERVED-cni.md: the pod end
   * of a failed CNI ADD, `eth0@if8: <BROADCAST,MULTICAST> mtu 1450 qdisc noop state DOWN`).
   */
  declare activated: boolean;
  /** Where received frames go; set by the netns that owns the device, or by the bridge it is enslaved to. */
  declare handler: RxHandler | undefined;
  /** txqueuelen: 1000 for devices `ip link add` makes; 0 for veths a CNI plugin makes over netlink. */
  declare txqlen: number;
  /** The bridge this device is a port of (`master cni0` in `ip link`; netdev_master_upper_dev_get). */
  declare master: NetDevice | undefined;
  /** Made at the first count: most devices of a built cluster never carry a frame (one object less each). */
  declare private linkStats: LinkStats | undefined;
  declare readonly point: TracePoint;
  /** Frames waiting for `deliverLater`'s event. */
  declare private later: FrameFifo | undefined;
  declare protected readonly trace: TraceBus<EthernetFrame>;

  constructor(sim: Sim, options: DeviceOptions) {
    this.sim = sim;
    this.name = options.name;
    this.ifindex = options.ifindex;
    this.mac = options.mac;
    this.mtu = options.mtu;
    this.adminUp = true;
    this.activated = true;
    this.handler = undefined;
    this.txqlen = 1000;
    this.master = undefined;
    this.linkStats = undefined;
    this.point = options.trace.point(options.tracePoint, options.layer3 === true ? LAYER3_POINT : undefined);
    this.later = undefined;
    this.trace = options.trace;
  }

  /** Counters `ip -s link` prints; all zero until the device first counts something. */
  get stats(): LinkStats {
    if (this.linkStats === undefined) this.linkStats = new LinkStats();
    return this.linkStats;
  }

  /** Carrier: up and, for point-to-point links, the far side up too. */
  get carrier(): boolean {
    return this.adminUp;
  }

  /** `UP,LOWER_UP` style state word `ip link` prints (`UP`, `DOWN`, `LOWERLAYERDOWN`, `UNKNOWN`). */
  get operState(): string {
    if (!this.adminUp) return 'DOWN';
    return this.carrier ? 'UP' : 'LOWERLAYERDOWN';
  }

  /** Sends a frame out of this device. Frames sent on a down device are dropped and counted. */
  xmit(frame: EthernetFrame, length: number): void {
    if (!this.adminUp || !this.carrier) {
      this.stats.txDropped++;
      if (this.trace.active) this.trace.fire('drop', this.sim.now, this.point, frame, 'link down');
      return;
    }
    this.stats.txPackets++;
    this.stats.txBytes += length;
    if (this.trace.active) this.trace.fire('tx', this.sim.now, this.point, frame);
    this.transmit(frame, length);
  }

  /**
   * Receives a frame one zero-delay event from now, in order: how a veth's peer, loopback, a TUN written
   * by its program and a VXLAN decapsulation deliver, so that long paths never recurse. The queue is made
   * on first use; NICs and bridges never need one.
   */
  deliverLater(frame: EthernetFrame, length: number): void {
    if (this.later === undefined) this.later = new FrameFifo();
    this.later.push(frame, length);
    this.sim.after(0, NetDevice.arriveLater, this);
  }

  private static arriveLater(dev: NetDevice): void {
    const q = dev.later as FrameFifo;
    const length = q.peekLength();
    dev.deliver(q.shift(), length);
  }

  /** Called by the medium when a frame arrives; hands it to the handler. */
  deliver(frame: EthernetFrame, length: number): void {
    if (!this.adminUp) {
      this.stats.rxDropped++;
      if (this.trace.active) this.trace.fire('drop', this.sim.now, this.point, frame, 'link down');
      return;
    }
    this.stats.rxPackets++;
    this.stats.rxBytes += length;
    if (this.trace.active) this.trace.fire('rx', this.sim.now, this.point, frame);
    if (this.handler === undefined) {
      this.stats.rxDropped++;
      return;
    }
    this.handler.receive(this, frame, length);
  }

  /** Device-specific transmission: put the frame on the medium. */
  protected abstract transmit(frame: EthernetFrame, length: number): void;
}
