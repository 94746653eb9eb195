/**
 * A UDP socket as an application holds it: bound to a port, optionally connected to one peer. A
 * connected socket only takes datagrams from its peer and hears hard ICMP errors about what it sent —
 * port unreachable becomes ECONNREFUSED on the next receive (__udp4_lib_err).
 */
import { IPPROTO_UDP, type Ip4, type Ipv4Packet, type UdpDatagram, udp } from '../wire/index.js';
import { type Endpoint, icmpErrno, type SocketErrno, type SocketHost } from './tcp-host.js';

/** What the application hears from a UDP socket. */
export interface UdpHandlers {
  /** A datagram arrived: its bytes, who sent it, and the address and port it was sent to. */
  message?(data: Uint8Array, from: Endpoint, to: Endpoint): void;
  /** sk_err was set: an ICMP error about a datagram of this connected socket. */
  error?(errno: SocketErrno): void;
}

/** Result of a send: ok, or the errno sendmsg() returns. */
export type UdpSendResult = { readonly ok: true } | { readonly ok: false; readonly errno: string };

export class UdpSocket {
  handlers: UdpHandlers = {};
  private nextId: number;
  private closed = false;

  constructor(
    private readonly host: SocketHost,
    /** Local address (0 when bound to all addresses) and port. */
    readonly local: Endpoint,
    /** The peer of a connected socket. */
    readonly remote: Endpoint | undefined,
    private readonly unbind: () => void,
  ) {
    this.nextId = host.sim.rng(`${host.name}/udp-ident`).int(0, 0xffff);
  }

  /** send() on a connected socket, or sendto() `to`; `src` picks the source address like IP_PKTINFO. */
  send(data: Uint8Array, to?: Endpoint, src?: Ip4): UdpSendResult {
    if (this.closed) return { ok: false, errno: 'EBADF' };
    const dst = to ?? this.remote;
    if (dst === undefined) return { ok: false, errno: 'EDESTADDRREQ' };
    const from = src ?? (this.local.ip !== 0 ? this.local.ip : undefined);
    const r = this.host.routeOutput(dst.ip, from);
    if (!r.ok) return r;
    const payload = udp({
      src: r.src,
      dst: dst.ip,
      srcPort: this.local.port,
      dstPort: dst.port,
      payload: data,
    });
    // A connected socket's DF datagrams take its own inet_id; others the per-destination counter.
    let id: number | undefined;
    if (to === undefined) {
      id = this.nextId;
      this.nextId = (this.nextId + 1) & 0xffff;
    }
    return this.host.send({
      src: r.src,
      dst: dst.ip,
      protocol: IPPROTO_UDP,
      payload,
      pmtudisc: 'want',
      ...(id === undefined ? {} : { id }),
    });
  }

  /** close(): the port is free again. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unbind();
  }

  /** udp_rcv: a datagram for our port; false when a connected socket's peer did not send it (no match). */
  deliver(pkt: Ipv4Packet, d: UdpDatagram): boolean {
    const r = this.remote;
    if (r !== undefined && (pkt.src !== r.ip || d.srcPort !== r.port)) return false;
    if (this.local.ip !== 0 && pkt.dst !== this.local.ip) return false;
    const bytes = d.payload.kind === 'raw' ? d.payload.bytes : new Uint8Array(0);
    this.handlers.message?.(bytes, { ip: pkt.src, port: d.srcPort }, { ip: pkt.dst, port: d.dstPort });
    return true;
  }

  /**
   * __udp4_lib_err: without IP_RECVERR only a connected socket hears an error, and only a hard one
   * (port or protocol unreachable, administratively prohibited …; fragmentation needed counts as hard
   * under PMTU discovery). `to` is the destination of the datagram the error quotes.
   */
  icmpError(type: number, code: number, to: Endpoint): void {
    const r = this.remote;
    if (r === undefined || r.ip !== to.ip || r.port !== to.port) return;
    const e = type === 3 && code === 4 ? { errno: 'EMSGSIZE' as const, fatal: true } : icmpErrno(type, code);
    if (e === undefined || !e.fatal) return;
    this.handlers.error?.(e.errno);
  }
}
