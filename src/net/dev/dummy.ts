import type { Sim } from '../../sim/index.js';
import type { EthernetFrame } from '../../wire/index.js';
import { type DeviceOptions, type LinkKind, NetDevice } from './device.js';

/**
 * A dummy device (drivers/net/dummy.c), what kube-proxy's IPVS mode makes as `kube-ipvs0` to hold every
 * virtual address as a /32. dummy_setup: an Ethernet device with a random MAC, NOARP and not MULTICAST,
 * no queue (noqueue once up), min/max MTU 0; dummy_xmit counts each frame as sent and frees it.
 *
 * Created as `ip link add NAME type dummy` / netlink creates it: administratively DOWN and never opened
 * (`<BROADCAST,NOARP> … qdisc noop state DOWN`), which is how kube-proxy leaves kube-ipvs0. Addresses
 * on a down device still get their `local` route (fib_add_ifaddr adds it before its IFF_UP check), so
 * the namespace treats them as its own addresses; the `broadcast` and prefix routes wait for IFF_UP.
 */
export class Dummy extends NetDevice {
  readonly kind: LinkKind = 'dummy';

  constructor(sim: Sim, options: DeviceOptions) {
    super(sim, options);
    this.adminUp = false;
    this.activated = false;
  }

  /** No carrier handling: an up dummy reports IF_OPER_UNKNOWN, as iproute2 shows (`state UNKNOWN`). */
  override get operState(): string {
    return this.adminUp ? 'UNKNOWN' : 'DOWN';
  }

  /** dummy_xmit: dev_lstats_add, then dev_kfree_skb — the frame is counted as sent and goes nowhere. */
  protected transmit(_frame: EthernetFrame, _length: number): void {}
}
