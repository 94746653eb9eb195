import type { EthernetFrame, Ipv4Packet } from '../../wire/index.js';
import { type LinkKind, NetDevice } from './device.js';

/** What reads a TUN device's packets: the user-space program holding its file descriptor. */
export type TunReader = (packet: Ipv4Packet) => void;

/**
 * A TUN device (drivers/net/tun.c, IFF_TUN | IFF_NO_PI): a layer-3 point-to-point device without ARP.
 * What the stack sends on it is read by a user-space program (flanneld's udp backend); what that program
 * writes comes out of the device as received. Frames carry the IP packet in an Ethernet record with zero
 * MACs only because every device here moves `EthernetFrame`s; no Ethernet header exists on a TUN.
 */
export class Tun extends NetDevice {
  readonly kind: LinkKind = 'tun';
  /** The reader of the device's file descriptor; packets sent while nobody reads are dropped. */
  reader: TunReader | undefined;

  /** A TUN has no carrier until a program attaches; ours always has its reader, so `UNKNOWN` like a real one. */
  override get operState(): string {
    return this.adminUp ? 'UNKNOWN' : 'DOWN';
  }

  protected transmit(frame: EthernetFrame): void {
    const p = frame.payload;
    if (p.kind !== 'ipv4' || this.reader === undefined) {
      this.stats.txDropped++;
      return;
    }
    this.reader(p);
  }

  /** The program writes a packet to the device: it is received as if it came off a wire. */
  write(frame: EthernetFrame, length: number): void {
    this.deliverLater(frame, length);
  }
}
