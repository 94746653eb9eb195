import type { EthernetFrame } from '../../wire/index.js';
import { type LinkKind, NetDevice } from './device.js';
import { Segment, type SwitchPort } from './segment.js';

/**
 * A physical NIC (`eth0`) cabled to a port of an underlay segment. It serialises frames at the segment's
 * bandwidth, one at a time, and the cable adds the segment latency.
 */
export class Nic extends NetDevice {
  readonly kind: LinkKind = 'ether';
  /** The switch port the cable leads to; set by `Segment.attach`. */
  port: SwitchPort | undefined;
  private busyUntil = 0;

  override get carrier(): boolean {
    return this.adminUp && this.port?.up === true;
  }

  protected transmit(frame: EthernetFrame, length: number): void {
    const port = this.port;
    if (port === undefined) return;
    const seg = port.segment;
    const now = this.sim.now;
    const start = Math.max(this.busyUntil, now);
    this.busyUntil = start + seg.serialisation(length);
    port.ingress.push(frame, length);
    this.sim.at(this.busyUntil + seg.latencyNs, Segment.ingress, port);
  }
}
