import type { Ipv4Packet, UdpDatagram } from '../wire/index.js';

/** Receives every locally delivered packet of its protocol, like a raw socket (raw_local_deliver). */
export type RawListener = (packet: Ipv4Packet, inDev: string) => void;
/** Receives UDP datagrams addressed to a bound port. */
export type UdpListener = (packet: Ipv4Packet, datagram: UdpDatagram, inDev: string) => void;

/** The sockets of one namespace: raw listeners by protocol and UDP ports bound. */
export class Sockets {
  private readonly raw = new Map<number, RawListener[]>();
  private readonly udp = new Map<number, UdpListener>();
  private nextEphemeral = 32768;

  /** Opens a raw socket for `protocol`; returns its close function. */
  openRaw(protocol: number, listener: RawListener): () => void {
    this.raw.set(protocol, [...(this.raw.get(protocol) ?? []), listener]);
    return () =>
      this.raw.set(
        protocol,
        (this.raw.get(protocol) ?? []).filter((l) => l !== listener),
      );
  }

  /** Binds a UDP port; returns the close function, or undefined if the port is in use (EADDRINUSE). */
  bindUdp(port: number, listener: UdpListener): (() => void) | undefined {
    if (this.udp.has(port)) return undefined;
    this.udp.set(port, listener);
    return () => {
      if (this.udp.get(port) === listener) this.udp.delete(port);
    };
  }

  /** A free ephemeral port from net.ipv4.ip_local_port_range (32768–60999), taken in turn. */
  ephemeralPort(): number {
    for (let i = 0; i < 60999 - 32768 + 1; i++) {
      const p = this.nextEphemeral;
      this.nextEphemeral = p >= 60999 ? 32768 : p + 1;
      if (!this.udp.has(p)) return p;
    }
    return 0;
  }

  rawListeners(protocol: number): readonly RawListener[] | undefined {
    return this.raw.get(protocol);
  }

  udpListener(port: number): UdpListener | undefined {
    return this.udp.get(port);
  }
}
