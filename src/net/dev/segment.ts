import type { Sim, TraceBus, TracePoint } from '../../sim/index.js';
import { SECOND } from '../../sim/index.js';
import type { EthernetFrame, Mac } from '../../wire/index.js';
import { isGroupMac } from './device.js';
import { FrameFifo } from './fifo.js';

/** Bytes a frame occupies on the wire beyond what a capture shows: FCS 4 + preamble/SFD 8 + IFG 12. */
const WIRE_OVERHEAD = 24;
/** Ethernet pads frames shorter than this (without FCS) on the wire; captures on Linux do not show it. */
const MIN_FRAME = 60;
/** A learned switch entry is forgotten after this long unseen (IEEE 802.1D default, like Linux bridges). */
const AGEING_NS = 300 * SECOND;
/** Slots of the per-segment serialisation memo (a power of two). */
const SER_SLOTS = 16;

export interface SegmentOptions {
  readonly name: string;
  /** One-way propagation delay between a host and the switch, ns. */
  readonly latencyNs: number;
  readonly bandwidthBps: number;
  readonly trace: TraceBus<EthernetFrame>;
}

/** What sits at the far end of a switch port's cable: a host NIC. */
export interface PortPeer {
  port: SwitchPort | undefined;
  deliver(frame: EthernetFrame, length: number): void;
}

/** A learned switch entry: where a MAC was last heard, and when. */
class FdbEntry {
  constructor(
    public port: SwitchPort,
    public seen: number,
  ) {}
}

/** A switch port with a host NIC on the far side; capture point `SEGMENT/HOST`. */
export class SwitchPort {
  up = true;
  busyUntil = 0;
  readonly egress = new FrameFifo();
  readonly ingress = new FrameFifo();

  constructor(
    readonly segment: Segment,
    readonly nic: PortPeer,
    readonly point: TracePoint,
  ) {}
}

/**
 * An underlay L2 segment: a store-and-forward learning switch whose ports each lead to one host NIC.
 * Each port serialises frames at the segment bandwidth; the host-to-switch link adds `latency`.
 */
export class Segment {
  readonly name: string;
  readonly latencyNs: number;
  readonly bandwidthBps: number;
  readonly ports: SwitchPort[] = [];
  private readonly fdb = new Map<Mac, FdbEntry>();
  private readonly trace: TraceBus<EthernetFrame>;
  /** serialisation() results by frame length, direct-mapped on the low bits (-1 = empty slot). */
  private readonly serLen = new Int32Array(SER_SLOTS).fill(-1);
  private readonly serNs = new Float64Array(SER_SLOTS);

  constructor(
    private readonly sim: Sim,
    options: SegmentOptions,
  ) {
    this.name = options.name;
    this.latencyNs = options.latencyNs;
    this.bandwidthBps = options.bandwidthBps;
    this.trace = options.trace;
  }

  /** Plugs a NIC into a new port named after its host (`rack1/node1`). */
  attach(nic: PortPeer, hostName: string): SwitchPort {
    const port = new SwitchPort(this, nic, this.trace.point(`${this.name}/${hostName}`));
    this.ports.push(port);
    nic.port = port;
    return port;
  }

  /** Nanoseconds a frame of `length` bytes occupies the wire. */
  serialisation(length: number): number {
    // Memoised: a stream repeats a few lengths, and this saves a division and a ceil twice per hop.
    const slot = length & (SER_SLOTS - 1);
    if (this.serLen[slot] === length) return this.serNs[slot] as number;
    const bits = (Math.max(length, MIN_FRAME) + WIRE_OVERHEAD) * 8;
    const ns = Math.ceil((bits * 1e9) / this.bandwidthBps);
    this.serLen[slot] = length;
    this.serNs[slot] = ns;
    return ns;
  }

  /** A frame fully received by the switch on `port` (scheduled by the NIC). */
  static ingress(port: SwitchPort): void {
    const seg = port.segment;
    const length = port.ingress.peekLength();
    const frame = port.ingress.shift();
    if (!port.up) return;
    if (seg.trace.active) seg.trace.fire('rx', seg.sim.now, port.point, frame);
    const now = seg.sim.now;
    const src = frame.src;
    if (!isGroupMac(src)) {
      // Learn unicast sources only.
      const e = seg.fdb.get(src);
      if (e === undefined) {
        seg.fdb.set(src, new FdbEntry(port, now));
      } else {
        e.port = port;
        e.seen = now;
      }
    }
    const known = seg.fdb.get(frame.dst);
    if (known !== undefined && now - known.seen < AGEING_NS) {
      if (known.port !== port) seg.egress(known.port, frame, length);
      return;
    }
    for (const p of seg.ports) if (p !== port) seg.egress(p, frame, length);
  }

  private egress(port: SwitchPort, frame: EthernetFrame, length: number): void {
    if (!port.up) return;
    const now = this.sim.now;
    const start = Math.max(port.busyUntil, now);
    port.busyUntil = start + this.serialisation(length);
    port.egress.push(frame, length);
    if (this.trace.active) this.trace.fire('tx', now, port.point, frame);
    this.sim.at(port.busyUntil, Segment.arrive, port);
  }

  private static arrive(port: SwitchPort): void {
    const length = port.egress.peekLength();
    const frame = port.egress.shift();
    if (port.up) port.nic.deliver(frame, length);
  }
}
