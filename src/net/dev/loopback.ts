import type { EthernetFrame } from '../../wire/index.js';
import { type LinkKind, NetDevice } from './device.js';
import { FrameFifo } from './fifo.js';

/** `lo`: every frame sent comes straight back in (drivers/net/loopback.c), one event later. */
export class Loopback extends NetDevice {
  readonly kind: LinkKind = 'loopback';
  private readonly inFlight = new FrameFifo();

  protected transmit(frame: EthernetFrame, length: number): void {
    this.inFlight.push(frame, length);
    this.sim.after(0, Loopback.arrive, this);
  }

  private static arrive(dev: Loopback): void {
    const length = dev.inFlight.peekLength();
    dev.deliver(dev.inFlight.shift(), length);
  }
}
