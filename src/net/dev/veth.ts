import type { Sim } from '../../sim/index.js';
import type { EthernetFrame } from '../../wire/index.js';
import { type DeviceOptions, type LinkKind, NetDevice } from './device.js';

/**
 * One end of a veth pair: what is sent on one end is received on the other with no queue and no loss
 * (drivers/net/veth.c). Delivery is a zero-delay event so that long paths never recurse.
 */
export class Veth extends NetDevice {
  readonly kind: LinkKind = 'veth';
  /** The other end, set by `vethPair`. */
  peer: Veth | undefined;
  /** Name of the netns holding the peer, for `link-netns` in `ip link`. */
  peerNetns: string | undefined;

  override get carrier(): boolean {
    return this.adminUp && this.peer?.adminUp === true;
  }

  protected transmit(frame: EthernetFrame, length: number): void {
    const peer = this.peer;
    if (peer === undefined) return;
    peer.deliverLater(frame, length);
  }
}

/** Creates a connected veth pair (`ip link add A type veth peer name B`). */
export function vethPair(sim: Sim, a: DeviceOptions, b: DeviceOptions): [Veth, Veth] {
  const va = new Veth(sim, a);
  const vb = new Veth(sim, b);
  va.peer = vb;
  vb.peer = va;
  return [va, vb];
}
