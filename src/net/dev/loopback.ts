import type { EthernetFrame } from '../../wire/index.js';
import { type LinkKind, NetDevice } from './device.js';

/** `lo`: every frame sent comes straight back in (drivers/net/loopback.c), one event later. */
export class Loopback extends NetDevice {
  readonly kind: LinkKind = 'loopback';

  protected transmit(frame: EthernetFrame, length: number): void {
    this.deliverLater(frame, length);
  }
}
