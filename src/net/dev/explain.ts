import type { EthernetFrame, Ip4, UdpDatagram } from '../../wire/index.js';
import type { NetDevice } from './device.js';

/**
 * What a bridge did with a frame after its FDB lookup: out of one `port`, up to the host (`local`: the
 * bridge's or a port's own MAC), out of every port (`flood`: unknown unicast), or both (`group`:
 * broadcast and multicast are flooded and a copy goes up).
 */
export type BridgeVerdict = 'port' | 'local' | 'flood' | 'group';

/**
 * The decisions devices report while a packet is being explained (`podwire trace`). A device holds one
 * in its `explain` field, undefined unless someone is tracing, so the datapath pays one check per
 * decision and allocates nothing when nobody asks. Received, sent and dropped frames are not here: they
 * are the trace bus's rx/tx/drop points.
 */
export interface DeviceExplainer {
  /** br_handle_frame_finish / br_dev_xmit: the FDB lookup of `frame.dst` on `bridge`, and what followed. */
  bridgeFdb(
    bridge: NetDevice,
    frame: EthernetFrame,
    inPort: NetDevice | undefined,
    verdict: BridgeVerdict,
    outPort: NetDevice | undefined,
  ): void;
  /**
   * vxlan_xmit: the FDB lookup of `frame.dst` (remote VTEP `remote`, undefined for a miss) and, on a hit,
   * the outer UDP datagram the frame was wrapped in, before the namespace routes it.
   */
  vxlanEncap(
    dev: NetDevice,
    frame: EthernetFrame,
    remote: Ip4 | undefined,
    outer: UdpDatagram | undefined,
  ): void;
  /** vxlan_rcv: a datagram on the device's UDP port, decapsulated, or dropped for `dropReason`. */
  vxlanDecap(dev: NetDevice, outer: UdpDatagram, dropReason: string | undefined): void;
}
