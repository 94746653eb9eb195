import type { Ip4, Ipv4Packet, TcpSegment, UdpDatagram } from '../wire/index.js';
import { IPPROTO_TCP, IPPROTO_UDP } from '../wire/index.js';
import {
  type AcceptHandler,
  type TcpConnectOptions,
  type TcpConnectResult,
  type TcpListener,
  TcpTable,
} from './tcp-demux.js';
import type { SocketErrno, SocketHost } from './tcp-host.js';
import { UdpSocket } from './udp-socket.js';

/** Receives every locally delivered packet of its protocol, like a raw socket (raw_local_deliver). */
export type RawListener = (packet: Ipv4Packet, inDev: string) => void;
/** Receives UDP datagrams addressed to a bound port. */
export type UdpListener = (packet: Ipv4Packet, datagram: UdpDatagram, inDev: string) => void;

interface UdpBinding {
  readonly listener: UdpListener;
  /** The socket behind the binding, when it is a `UdpSocket` (peer filter and ICMP errors). */
  readonly socket: UdpSocket | undefined;
}

/** Options of `openUdp`: bind to `port` (an ephemeral one by default) and `addr`, connect to `connect`. */
export interface UdpOpenOptions {
  readonly port?: number;
  readonly addr?: Ip4;
  readonly connect?: { readonly ip: Ip4; readonly port: number };
}

/**
 * The sockets of one namespace: raw listeners by protocol, UDP ports bound, and the TCP tables (listeners,
 * connections, ephemeral ports). TCP and UDP ports are separate spaces, as in Linux.
 */
export class Sockets {
  private rawMap: Map<number, RawListener[]> | undefined;
  private get raw(): Map<number, RawListener[]> {
    this.rawMap ??= new Map();
    return this.rawMap;
  }
  private udpMap: Map<number, UdpBinding> | undefined;
  private get udp(): Map<number, UdpBinding> {
    this.udpMap ??= new Map();
    return this.udpMap;
  }
  private nextEphemeral = 32768;
  private tcpTable: TcpTable | undefined;

  /** `host` is the namespace that sends for these sockets; needed for TCP and `openUdp`. */
  constructor(private readonly host?: SocketHost) {}

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
    return this.bind(port, { listener, socket: undefined });
  }

  /**
   * socket(AF_INET, SOCK_DGRAM) + bind + optional connect: a UDP socket on `port` (ephemeral by default).
   * Connecting routes to the peer first (ENETUNREACH …) and fixes the source address.
   */
  openUdp(opts: UdpOpenOptions = {}): UdpSocket | SocketErrno {
    const host = this.mustHost();
    let addr = opts.addr ?? 0;
    if (opts.connect !== undefined) {
      const r = host.routeOutput(opts.connect.ip, opts.addr);
      if (!r.ok) return r.errno;
      addr = r.src;
    }
    const port = opts.port ?? this.ephemeralPort();
    if (port === 0) return 'EADDRNOTAVAIL';
    if (this.udp.has(port)) return 'EADDRINUSE';
    let unbind: () => void = () => {};
    const sock = new UdpSocket(host, { ip: addr, port }, opts.connect, () => unbind());
    unbind = this.bind(port, { listener: (pkt, d) => sock.deliver(pkt, d), socket: sock }) ?? unbind;
    return sock;
  }

  /**
   * A free ephemeral port from net.ipv4.ip_local_port_range (32768–60999) for a UDP socket, taken in
   * turn (Linux draws it at random; the sequence keeps existing traces stable). TCP's connect() picks its
   * own ports the way __inet_hash_connect does.
   */
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

  /**
   * The UDP socket a datagram to `port` goes to (__udp4_lib_lookup). Given the sender, a connected
   * socket whose peer is someone else does not match — the stack then answers port unreachable.
   */
  udpListener(port: number, src?: Ip4, srcPort?: number): UdpListener | undefined {
    const b = this.udp.get(port);
    if (b === undefined) return undefined;
    const peer = b.socket?.remote;
    if (peer !== undefined && src !== undefined && (peer.ip !== src || peer.port !== srcPort))
      return undefined;
    return b.listener;
  }

  /** The TCP tables of this namespace. */
  get tcp(): TcpTable {
    this.tcpTable ??= new TcpTable(this.mustHost());
    return this.tcpTable;
  }

  /** listen() on a TCP port: `onAccept` gets each connection once its handshake completed. */
  listen(
    port: number,
    onAccept: AcceptHandler,
    opts: { readonly addr?: Ip4 } = {},
  ): TcpListener | SocketErrno {
    return this.tcp.listen(port, onAccept, opts.addr ?? 0);
  }

  /** connect() a TCP socket to `dst:dstPort`; the SYN leaves now. */
  connect(dst: Ip4, dstPort: number, opts: TcpConnectOptions = {}): TcpConnectResult {
    return this.tcp.connect(dst, dstPort, opts);
  }

  /** tcp_v4_rcv: a TCP segment delivered locally (unicast). */
  tcpReceive(packet: Ipv4Packet, segment: TcpSegment): void {
    this.tcp.receive(packet, segment);
  }

  /**
   * icmp_unreach → the protocol's err_handler: an ICMP error (destination unreachable, time exceeded,
   * parameter problem) goes to the TCP or UDP socket named by the header it quotes. `info` is bytes 4–7
   * of the ICMP header (the next-hop MTU of a fragmentation-needed).
   */
  icmpError(type: number, code: number, info: number, quote: Uint8Array): void {
    if (quote.length < 20) return;
    const protocol = quote[9];
    if (protocol === IPPROTO_TCP) {
      if (this.host !== undefined) this.tcp.icmpError(type, code, info & 0xffff, quote);
      return;
    }
    if (protocol !== IPPROTO_UDP) return;
    const hl = ((quote[0] ?? 0) & 0x0f) * 4;
    if (quote.length < hl + 4) return;
    const srcPort = ((quote[hl] ?? 0) << 8) | (quote[hl + 1] ?? 0);
    const dstPort = ((quote[hl + 2] ?? 0) << 8) | (quote[hl + 3] ?? 0);
    const dst =
      (((quote[16] ?? 0) << 24) | ((quote[17] ?? 0) << 16) | ((quote[18] ?? 0) << 8) | (quote[19] ?? 0)) >>>
      0;
    this.udp.get(srcPort)?.socket?.icmpError(type, code, { ip: dst, port: dstPort });
  }

  private bind(port: number, binding: UdpBinding): (() => void) | undefined {
    if (this.udp.has(port)) return undefined;
    this.udp.set(port, binding);
    return () => {
      if (this.udp.get(port) === binding) this.udp.delete(port);
    };
  }

  private mustHost(): SocketHost {
    if (this.host === undefined)
      throw new Error('Sockets: TCP and UDP sockets need the namespace (new Sockets(ns))');
    return this.host;
  }
}
